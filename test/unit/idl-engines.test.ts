/**
 * Every engine IDL juba ships (idl/*.idl) parses, builds a descriptor, and declares the wire
 * surface of Jubatus 1.1.1 (framework spec §10.4 for routing/lock/aggregator, engines spec and
 * the Jubatus API reference for types). Each method's params and result also survive the
 * type-directed codec, which is what the server, proxy and clients run them through.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeValue, defaultValue, encodeValue, typeToString } from '../../src/idl/codec.js';
import { loadEngineDescriptor, packageRoot } from '../../src/idl/descriptor.js';
import type { MethodDecl, ServiceDescriptor } from '../../src/idl/types.js';
import { MsgReader } from '../../src/msgpack/reader.js';
import { MsgWriter } from '../../src/msgpack/writer.js';

const ENGINES = [
  'anomaly', 'bandit', 'burst', 'classifier', 'clustering', 'graph', 'nearest_neighbor',
  'recommender', 'regression', 'stat', 'weight',
];

/** `routing lock aggregator return name(param types)`, e.g. `cht(1) update pass bool set_row(string, datum)`. */
function sig(m: MethodDecl): string {
  const r = m.routing.kind === 'cht' ? `cht(${m.routing.n})` : m.routing.kind;
  const ret = m.returnType ? typeToString(m.returnType) : 'void';
  return `${r} ${m.lock} ${m.aggregator} ${ret} ${m.name}(${m.params.map((p) => typeToString(p.type)).join(', ')})`;
}

function sigs(desc: ServiceDescriptor): string[] {
  return [...desc.methods.values()].map(sig);
}

function fields(desc: ServiceDescriptor, message: string): string[] {
  const m = desc.messages.get(message);
  if (!m) throw new Error(`no message ${message} in ${desc.name}`);
  return m.fields.map((f) => `${typeToString(f.type)} ${f.name}`);
}

describe('the shipped engine IDLs', () => {
  it('are exactly the eleven Jubatus engines', () => {
    const files = readdirSync(join(packageRoot(), 'idl')).filter((f) => f.endsWith('.idl')).map((f) => f.replace(/\.idl$/, ''));
    expect(files.sort()).toEqual(ENGINES);
  });

  it.each(ENGINES)('%s parses into a descriptor named after the engine, every method documented', (engine) => {
    const desc = loadEngineDescriptor(engine);
    expect(desc.name).toBe(engine);
    expect(desc.methods.size).toBeGreaterThan(2);
    for (const m of desc.methods.values()) expect(m.doc.length, `${engine}.${m.name} has no #- doc`).toBeGreaterThan(0);
    expect(desc.methods.get('clear')).toMatchObject({ routing: { kind: 'broadcast' }, aggregator: 'all_and' });
    expect(desc.useCht).toBe([...desc.methods.values()].some((m) => m.routing.kind === 'cht'));
  });

  it.each(ENGINES)('%s: every method\'s params and result round-trip through the codec', (engine) => {
    const desc = loadEngineDescriptor(engine);
    for (const m of desc.methods.values()) {
      const types = [...m.params.map((p) => p.type), ...(m.returnType ? [m.returnType] : [])];
      for (const t of types) {
        const value = defaultValue(desc, t);
        const w = new MsgWriter();
        encodeValue(desc, t, value, w);
        expect(decodeValue(desc, t, new MsgReader(w.toBytes()).read(), `${m.name}`)).toEqual(value);
      }
    }
  });
});

describe('signatures match Jubatus 1.1.1', () => {
  it('classifier', () => {
    const d = loadEngineDescriptor('classifier');
    expect(sigs(d)).toEqual([
      // 1.1.1 counts these four in update_count (reference scenarios), so juba locks them as updates.
      'random update pass int train(list<labeled_datum>)',
      'random analysis pass list<list<estimate_result>> classify(list<datum>)',
      'random analysis pass map<string, ulong> get_labels()',
      'broadcast update all_and bool set_label(string)',
      'broadcast update all_and bool clear()',
      'broadcast update all_or bool delete_label(string)',
    ]);
    expect(fields(d, 'labeled_datum')).toEqual(['string label', 'datum data']);
    expect(fields(d, 'estimate_result')).toEqual(['string label', 'double score']);
  });

  it('regression', () => {
    const d = loadEngineDescriptor('regression');
    expect(sigs(d)).toEqual([
      'random update pass int train(list<scored_datum>)',
      'random analysis pass list<double> estimate(list<datum>)',
      'broadcast update all_and bool clear()',
    ]);
    expect(fields(d, 'scored_datum')).toEqual(['double score', 'datum data']);
  });

  it('recommender', () => {
    const d = loadEngineDescriptor('recommender');
    expect(d.methods.size).toBe(15);
    expect(sigs(d)).toEqual(expect.arrayContaining([
      'cht(2) update all_and bool clear_row(string)',
      'cht(2) update all_and bool update_row(string, datum)',
      'cht(2) analysis pass datum complete_row_from_id(string)',
      'random analysis pass datum complete_row_from_datum(datum)',
      'cht(2) analysis pass list<id_with_score> similar_row_from_id(string, uint)',
      'cht(2) analysis pass list<id_with_score> similar_row_from_id_and_score(string, double)',
      'cht(2) analysis pass list<id_with_score> similar_row_from_id_and_rate(string, float)',
      'random analysis pass list<id_with_score> similar_row_from_datum_and_rate(datum, float)',
      'cht(2) analysis pass datum decode_row(string)',
      'random analysis pass double calc_similarity(datum, datum)',
      'random analysis pass double calc_l2norm(datum)',
    ]));
  });

  it('anomaly', () => {
    const d = loadEngineDescriptor('anomaly');
    expect(sigs(d)).toEqual([
      'cht(2) update all_and bool clear_row(string)',
      // 1.1.1 takes the write lock in add/add_bulk and counts them in update_count (reference
      // scenarios), so juba locks them as updates.
      'random update pass id_with_score add(datum)',
      'random update pass list<string> add_bulk(list<datum>)',
      'cht(2) update pass double update(string, datum)',
      'cht(2) update pass double overwrite(string, datum)',
      'broadcast update all_and bool clear()',
      'random analysis pass double calc_score(datum)',
      'random analysis pass list<string> get_all_rows()',
    ]);
  });

  it('clustering', () => {
    const d = loadEngineDescriptor('clustering');
    expect(sigs(d)).toEqual(expect.arrayContaining([
      'random update pass bool push(list<indexed_point>)',
      'random analysis pass uint get_revision()',
      'random analysis pass list<list<weighted_datum>> get_core_members()',
      'random analysis pass list<list<weighted_index>> get_core_members_light()',
      'random analysis pass list<datum> get_k_center()',
      'random analysis pass datum get_nearest_center(datum)',
      'random analysis pass list<weighted_index> get_nearest_members_light(datum)',
    ]));
    expect(fields(d, 'indexed_point')).toEqual(['string id', 'datum point']);
    expect(fields(d, 'weighted_index')).toEqual(['double weight', 'string id']);
  });

  it('burst', () => {
    const d = loadEngineDescriptor('burst');
    expect(sigs(d)).toEqual(expect.arrayContaining([
      'broadcast update pass int add_documents(list<document>)',
      'cht(2) analysis pass window get_result(string)',
      'cht(2) analysis pass window get_result_at(string, double)',
      'broadcast analysis merge map<string, window> get_all_bursted_results()',
      'broadcast analysis merge map<string, window> get_all_bursted_results_at(double)',
      'random analysis pass list<keyword_with_params> get_all_keywords()',
      'broadcast update all_and bool add_keyword(keyword_with_params)',
    ]));
    expect(fields(d, 'window')).toEqual(['double start_pos', 'list<batch> batches']);
    expect(fields(d, 'batch')).toEqual(['int all_data_count', 'int relevant_data_count', 'double burst_weight']);
  });

  it('bandit', () => {
    const d = loadEngineDescriptor('bandit');
    expect(sigs(d)).toEqual([
      'broadcast update all_and bool register_arm(string)',
      'broadcast update all_and bool delete_arm(string)',
      'cht(1) update pass string select_arm(string)',
      'cht(1) update all_and bool register_reward(string, string, double)',
      'cht(1) analysis pass map<string, arm_info> get_arm_info(string)',
      'broadcast update all_or bool reset(string)',
      'broadcast update all_and bool clear()',
    ]);
    expect(fields(d, 'arm_info')).toEqual(['int trial_count', 'double weight']);
  });

  it('stat', () => {
    const d = loadEngineDescriptor('stat');
    expect(sigs(d)).toEqual([
      'cht(1) update all_and bool push(string, double)',
      ...['sum', 'stddev', 'max', 'min', 'entropy'].map((n) => `cht(1) analysis pass double ${n}(string)`),
      'cht(1) analysis pass double moment(string, int, double)',
      'broadcast update all_and bool clear()',
    ]);
  });

  it('graph, with its internal server-to-server methods', () => {
    const d = loadEngineDescriptor('graph');
    expect(d.methods.size).toBe(19);
    expect(sigs(d)).toEqual(expect.arrayContaining([
      'random nolock pass string create_node()',
      'cht(2) nolock pass bool remove_node(string)',
      'cht(2) update all_and bool update_node(string, map<string, string>)',
      'cht(1) nolock pass ulong create_edge(string, edge)',
      'cht(2) update all_and bool update_edge(string, ulong, edge)',
      'random analysis pass double get_centrality(string, int, preset_query)',
      'random analysis pass list<string> get_shortest_path(shortest_path_query)',
      'cht(2) analysis pass node get_node(string)',
      'internal update pass bool create_node_here(string)',
      'internal update pass bool remove_global_node(string)',
      'internal update pass bool create_edge_here(ulong, edge)',
    ]));
    expect(fields(d, 'node')).toEqual(['map<string, string> property', 'list<ulong> in_edges', 'list<ulong> out_edges']);
    expect(fields(d, 'shortest_path_query')).toEqual(['string source', 'string target', 'uint max_hop', 'preset_query query']);
  });

  it('weight', () => {
    expect(sigs(loadEngineDescriptor('weight'))).toEqual([
      // update and clear trigger MIX in juba (1.1.1's weight server cannot run distributed).
      'random update pass list<feature> update(datum)',
      'random analysis pass list<feature> calc_weight(datum)',
      'broadcast update all_and bool clear()',
    ]);
  });
});
