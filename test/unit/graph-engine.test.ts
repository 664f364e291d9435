/**
 * The graph engine against 1.1.1: the reference scenario replayed in-process, the model it saves
 * equal to 1.1.1's file (entries in 1.1.1's hash order too), the MIX diff bytes of
 * shared/spec/jubatus-mix-payloads.md, the fold of two members' diffs, errors and config checks.
 */
import { describe, expect, it } from 'vitest';
import { graphFactory, GraphEngine, n2i } from '../../src/engine/graph/service.js';
import { presetQueryHash, queryMap } from '../../src/engine/graph/model.js';
import { decodeOne, MsgMap } from '../../src/msgpack/reader.js';
import { MsgWriter } from '../../src/msgpack/writer.js';
import { replayInProcess } from '../harness/engine-replay.js';
import { fixtureModel } from '../harness/model-fixture.js';
import { loadScenario, plain } from '../harness/reference.js';

const CONFIG = { method: 'graph_wo_index', parameter: { damping_factor: 0.9, landmark_num: 5 } };
const make = (distributed = false): GraphEngine => graphFactory.create(CONFIG, { owner: '127.0.0.1_9199', distributed });
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const pack = (f: (w: MsgWriter) => void): Uint8Array => {
  const w = new MsgWriter();
  f(w);
  return w.toBytes();
};
const ALL: [[string, string][], [string, string][]] = [[], []];
const RED_FOLLOW: [[string, string][], [string, string][]] = [[['kind', 'follow']], [['color', 'red']]];

describe('graph: the reference scenario', () => {
  const s = loadScenario('graph-graph_wo_index');

  it('answers every call as 1.1.1 did', () => {
    expect(replayInProcess(make(), s)).toEqual([]);
  });

  it('saves the model 1.1.1 saved, in 1.1.1\'s entry order', () => {
    const e = make();
    replayInProcess(e, s);
    const ours = decodeOne(pack((w) => e.packModel(w)));
    const theirs = fixtureModel('graph-graph_wo_index');
    expect(plain(ours)).toEqual(plain(theirs));
    const keys = (v: unknown, i: number): unknown[] => ((v as unknown[])[i] as MsgMap).entries.map(([k]) => k);
    expect(keys(ours, 0)).toEqual(keys(theirs, 0));
    expect(keys(ours, 2)).toEqual(keys(theirs, 2));
  });

  it('loads its own model back to the same content and answers alike', () => {
    const e = make();
    replayInProcess(e, s);
    const bytes = pack((w) => e.packModel(w));
    const f = make();
    f.unpackModel(decodeOne(bytes));
    // The same maps; their entry order changes as 1.1.1's does (a load re-inserts in file order).
    expect(plain(decodeOne(pack((w) => f.packModel(w))))).toEqual(plain(decodeOne(bytes)));
    expect(f.get_shortest_path(['62', '67', 10, ALL])).toEqual(e.get_shortest_path(['62', '67', 10, ALL]));
    expect(f.get_centrality('64', 0, ALL)).toBe(e.get_centrality('64', 0, ALL));
  });

  it('refuses a malformed model and keeps its own', () => {
    const e = make();
    e.create_node();
    expect(() => e.unpackModel(decodeOne(pack((w) => { w.arrayHeader(5); w.mapHeader(1); w.str('x'); w.nil(); for (let i = 0; i < 4; i++) w.mapHeader(0); })))).toThrow();
    expect(e.status().local_node_num).toBe('1');
  });

  it('loads 1.1.1\'s model and draws ids after its largest', () => {
    const e = make();
    e.unpackModel(fixtureModel('graph-graph_wo_index'));
    expect(e.status()).toEqual({ local_node_num: '8', global_node_num: '8', local_edge_num: '12' });
    expect(e.get_shortest_path(['62', '67', 10, ALL])).toEqual(['62', '63', '66', '67']);
    expect(e.create_node()).toBe('82');
  });
});

describe('graph: preset queries in 1.1.1\'s hash order', () => {
  it('walks the red/follow query before the empty one, so new plain nodes get no landmark', () => {
    const m = queryMap<number>();
    const q = (v: number): { query: { edge: [string, string][]; node: [string, string][] }; value: number } => ({ query: { edge: [], node: [] }, value: v });
    m.set(JSON.stringify(ALL), q(0));
    m.set(JSON.stringify(RED_FOLLOW), q(1));
    expect(m.keys()).toEqual([JSON.stringify(RED_FOLLOW), JSON.stringify(ALL)]);
    // FNV-1 style basis for the empty query.
    const [hi, lo] = presetQueryHash({ edge: [], node: [] });
    expect(BigInt(hi) * 2n ** 32n + BigInt(lo)).toBe(14695981039346656037n);
  });
});

describe('graph: MIX', () => {
  it('get_diff gives the bytes 1.1.1 gave (jubatus-mix-payloads.md)', () => {
    const e = make(true);
    expect(() => e.get_node('0')).toThrow('get_node');
    e.add_centrality_query([[], []]);
    e.add_centrality_query(RED_FOLLOW);
    e.add_shortest_path_query([[], []]);
    e.add_shortest_path_query(RED_FOLLOW);
    e.create_node_here('1');
    const want = '919282929090810192cb3ff0000000000000009291' + '92a46b696e64a6666f6c6c6f779192a5636f6c6f72a3726564' + '80' +
      '8292909090' + '929192a46b696e64a6666f6c6c6f779192a5636f6c6f72a3726564' + '90';
    expect(hex(pack((w) => e.linearMixable().packDiff(w)))).toBe(want);
  });

  it('two members with halves of a graph converge on the whole graph\'s centralities', () => {
    // The whole graph on one standalone server, as reference.
    const whole = make();
    whole.add_centrality_query(ALL);
    const a = make(true);
    const b = make(true);
    for (const m of [a, b]) m.add_centrality_query(ALL);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push(whole.create_node());
      (i % 2 === 0 ? a : b).create_node_here(ids[i]!);
    }
    const edges: Array<[number, number]> = [[0, 1], [1, 2], [2, 0], [3, 0], [4, 3], [5, 4], [1, 5]];
    let eid = 100;
    for (const [s, t] of edges) {
      const edge: [Map<string, string>, string, string] = [new Map(), ids[s]!, ids[t]!];
      whole.create_edge_here(eid, edge);
      // On the source's owner and on the target's (each keeps what touches its nodes).
      const owners = new Set([s % 2 === 0 ? a : b, t % 2 === 0 ? a : b]);
      for (const m of owners) m.create_edge_here(eid, edge);
      eid++;
    }
    for (let round = 0; round < 30; round++) {
      whole.update_index();
      const la = a.linearMixable();
      const da = la.unpackDiff(decodeOne(pack((w) => la.packDiff(w))));
      const db = la.unpackDiff(decodeOne(pack((w) => b.linearMixable().packDiff(w))));
      const mixed = pack((w) => la.writeDiff(w, la.mixDiff(db, da)));
      for (const m of [a, b]) expect(m.linearMixable().putDiff(m.linearMixable().unpackDiff(decodeOne(mixed)))).toBe(true);
    }
    for (const id of ids) {
      expect(a.get_centrality(id, 0, ALL)).toBeCloseTo(whole.get_centrality(id, 0, ALL), 9);
      expect(b.get_centrality(id, 0, ALL)).toBeCloseTo(whole.get_centrality(id, 0, ALL), 9);
    }
  });
});

describe('graph: errors as 1.1.1', () => {
  it('answers 1.1.1\'s error texts and keeps the model', () => {
    const e = make();
    expect(() => n2i('not-a-number')).toThrow('std::bad_cast');
    expect(() => e.get_node('-1')).toThrow('std::bad_cast');
    expect(() => e.remove_node('5')).toThrow('remove_node');
    expect(() => e.update_node('5', new Map())).toThrow('update_node');
    expect(() => e.create_edge('5', [new Map(), '5', '6'])).toThrow('graph_wo_index::create_edge unknown src id=5 tgt id=6');
    expect(() => e.update_edge('5', 3, [new Map(), '5', '6'])).toThrow('update_edge:eid');
    expect(() => e.get_centrality('0', 1, ALL)).toThrow('unknown centrality type: 1');
    expect(() => e.get_centrality('0', 0, ALL)).toThrow('unknown_centrality_type');
    expect(e.create_node()).toBe('1'); // the failed create_edge drew id 0, as 1.1.1's does
    expect(() => e.get_shortest_path(['1', '1', 3, ALL])).toThrow('unknown_query');
    expect(() => e.get_shortest_path(['2', '1', 3, ALL])).toThrow('shortest_path:src');
    expect(e.status().local_node_num).toBe('1');
    // Ids beyond 2^53 (still uint64) are unknown ones; beyond uint64 they do not parse.
    expect(() => e.get_node('18446744073709551615')).toThrow(/^get_node$/);
    expect(() => e.get_node('18446744073709551616')).toThrow('std::bad_cast');
    expect(() => e.get_edge('1', 2n ** 63n)).toThrow(/^get_edge$/);
    expect(() => e.remove_edge('1', 2n ** 63n)).toThrow(/^remove_edge:eid$/);
    expect(() => e.create_edge('1', [new Map(), '1', '9007199254740993'])).toThrow(/beyond 2\^53/);
  });

  it('refuses update_index in a cluster with 1.1.1\'s text', () => {
    expect(() => make(true).update_index()).toThrow('manual mix is available only in standalone mode.');
  });

  it('writes under the lock in its nolock methods; only remove_node counts as an update', () => {
    expect(make().nolockWrites()).toEqual({ create_node: { counted: false }, create_edge: { counted: false }, remove_node: { counted: true } });
  });

  it('checks its config', () => {
    const bad = (parameter: unknown, method = 'graph_wo_index'): unknown => () => graphFactory.create({ method, parameter }, { owner: 'x' });
    expect(bad({ damping_factor: 1, landmark_num: 5 })).toThrow(/damping_factor/);
    expect(bad({ damping_factor: 0.5, landmark_num: -1 })).toThrow(/landmark_num/);
    expect(bad({ damping_factor: 0.5 })).toThrow(/landmark_num/);
    expect(bad({ damping_factor: 0.5, landmark_num: 5 }, 'graph_w_index')).toThrow(/method/);
    expect(bad({ damping_factor: 0.5, landmark_num: 5, x: 1 })).toThrow(/x/);
  });
});
