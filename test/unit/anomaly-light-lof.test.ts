/**
 * The anomaly engine with light_lof (engine/anomaly/light-lof.ts, service.ts): the 1.1.1
 * reference scenario in process, unsupported calls, ignore_kth_same_point, the unlearner, ids,
 * the model file (1.1.1's file loads and is written back field for field) and the MIX diff.
 */
import { describe, expect, it } from 'vitest';
import { parseAnomalyConfig } from '../../src/engine/anomaly/config.js';
import { IdCounter, maxIntId } from '../../src/engine/anomaly/ids.js';
import { anomalyFactory, createAnomalyEngine, type AnomalyEngine } from '../../src/engine/anomaly/service.js';
import type { Datum } from '../../src/engine/datum.js';
import { MsgReader, bytesToString, type MsgValue } from '../../src/msgpack/reader.js';
import { fixtureModel } from '../harness/model-fixture.js';
import { bytes, packed } from '../harness/msgpack.js';
import { configOf, difference, loadScenario, plain } from '../harness/reference.js';

const converter = {
  string_rules: [{ key: '*', type: 'str', sample_weight: 'bin', global_weight: 'bin' }],
  num_rules: [{ key: '*', type: 'num' }],
};
const config = (parameter: Record<string, unknown> = {}, method = 'euclid_lsh'): Record<string, unknown> => ({
  method: 'light_lof',
  parameter: { nearest_neighbor_num: 3, reverse_nearest_neighbor_num: 5, method, parameter: { hash_num: 64 }, ...parameter },
  converter,
});
const make = (c: Record<string, unknown> = config(), owner = '127.0.0.1_9199'): AnomalyEngine => createAnomalyEngine(c, { owner });
const pt = (x: number, y: number): Datum => ({ stringValues: [], numValues: [['x', x], ['y', y]], binaryValues: [] });
const datum = (a: unknown): Datum => {
  const [s, n] = a as [Array<[string, string]>, Array<[string, number]>];
  return { stringValues: s, numValues: n, binaryValues: [] };
};
const special = (v: unknown): unknown =>
  v && typeof v === 'object' && '$f' in (v as object) ? ((v as { $f: string }).$f === 'Infinity' ? Infinity : NaN) : Array.isArray(v) ? v.map(special) : v;

function run(e: AnomalyEngine, method: string, a: unknown[]): unknown {
  switch (method) {
    case 'add': return e.add(datum(a[0]));
    case 'add_bulk': return e.add_bulk((a[0] as unknown[]).map(datum));
    case 'calc_score': return e.calc_score(datum(a[0]));
    case 'update': return e.update(a[0] as string, datum(a[1]));
    case 'overwrite': return e.overwrite(a[0] as string, datum(a[1]));
    case 'clear_row': return e.clear_row(a[0] as string);
    case 'clear': return e.clear();
    case 'get_all_rows': return e.get_all_rows().sort();
    default: throw new Error(method);
  }
}

describe('light_lof against 1.1.1', () => {
  const s = loadScenario('anomaly-light_lof');

  it('replays the reference scenario in process (ids, scores, errors, status)', () => {
    const e = createAnomalyEngine(JSON.parse(configOf(s)), { owner: '127.0.0.1_19702' });
    const diffs: string[] = [];
    s.calls.forEach((c, i) => {
      if (c.method === 'get_config') return;
      if (c.method === 'get_status') {
        const want = Object.values(c.result as Record<string, Record<string, string>>)[0]!;
        const got = e.status();
        for (const k of ['storage', 'max_id', 'num_id']) if (got[k] !== want[k]) diffs.push(`status ${k}: ${got[k]} ≠ ${want[k]}`);
        return;
      }
      try {
        const got = run(e, c.method, c.args as unknown[]);
        if (c.error !== undefined) return void diffs.push(`#${i}: answered, expected error ${String(c.error)}`);
        const d = difference(got, c.sorted ? [...(c.result as string[])].sort() : special(c.result));
        if (d) diffs.push(`#${i} ${c.method}: ${d}`);
      } catch (err) {
        if ((err as Error).message !== c.error) diffs.push(`#${i} ${c.method}: error ${(err as Error).message}`);
      }
    });
    expect(diffs).toEqual([]);
    // Every table field equals the file 1.1.1 saved after the same calls, down to each score
    // row's version clock (rows are re-scored in the order of 1.1.1's hash set).
    expect(plain(packed((w) => e.packModel(w)))).toEqual(plain(fixtureModel('anomaly-light_lof')));
  });

  it("loads 1.1.1's model file, writes it back field for field, and numbers the next point after the largest id", () => {
    const e = createAnomalyEngine(JSON.parse(configOf(s)), { owner: '127.0.0.1_19702' });
    const theirs = fixtureModel('anomaly-light_lof');
    e.unpackModel(theirs);
    expect(e.get_all_rows()).toHaveLength(40);
    expect(e.status()).toMatchObject({ storage: 'light_lof', max_id: '201', num_id: '40' });
    expect(plain(packed((w) => e.packModel(w)))).toEqual(plain(theirs));
    // The scenario's calls after its last write, answered from the loaded model.
    const last = s.calls.slice(-5, -2);
    for (const c of last) expect(difference(run(e, c.method, c.args as unknown[]), special(c.result))).toBeUndefined();
    expect(e.add(pt(1, 1))[0]).toBe('202');
  });
});

describe('light_lof behaviour', () => {
  it('update and clear_row answer 1.1.1\'s unsupported-method errors; add overwrites', () => {
    const e = make();
    expect(() => e.update('0', pt(1, 1))).toThrow('unsupported method (update_row)');
    expect(() => e.clear_row('0')).toThrow('unsupported method (clear_row)');
    expect(e.add(pt(0, 0))).toEqual(['0', Infinity]);
    expect(e.overwrite('0', pt(1, 0))).toBe(Infinity);
    expect(e.get_all_rows()).toEqual(['0']);
  });

  it('scores an empty model +∞ and a lone duplicate 1 (all LRDs infinite)', () => {
    const e = make();
    expect(e.calc_score(pt(1, 2))).toBe(Infinity);
    e.add(pt(1, 2));
    e.add(pt(1, 2));
    expect(e.calc_score(pt(1, 2))).toBe(1);
  });

  it('ignore_kth_same_point: the k-th identical point is not stored, counted in num_ignored, and scored as a query', () => {
    const e = make(config({ ignore_kth_same_point: true }));
    expect(e.status()).toMatchObject({ num_id: '0', num_ignored: '0' });
    const ids = [e.add(pt(1, 1)), e.add(pt(1, 1)), e.add(pt(1, 1))].map((r) => r[0]);
    expect(ids).toEqual(['0', '1', '2']);
    expect(e.get_all_rows()).toEqual(['0', '1']);
    expect(e.status()).toMatchObject({ num_id: '2', num_ignored: '1', max_id: '1' });
    expect(e.add_bulk([pt(1, 1), pt(5, 5)])).toEqual(['4']);
  });

  it('an lru unlearner forgets the oldest point and re-scores its neighbours', () => {
    const e = make(config({ unlearner: 'lru', unlearner_parameter: { max_size: 3 } }));
    for (const [x, y] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) e.add(pt(x, y));
    expect(e.get_all_rows().sort()).toEqual(['1', '2', '3']);
    expect(e.status()).toMatchObject({ num_id: '3' });
    expect(Number.isFinite(e.calc_score(pt(0.5, 0.5)))).toBe(true);
    // [unlearner, nn table, score table] in the model.
    expect((packed((w) => e.packModel(w)) as MsgValue[])[0]).toHaveLength(3);
  });

  it('works over lsh and minhash too (distances are Hamming fractions)', () => {
    for (const m of ['lsh', 'minhash']) {
      const e = make(config({}, m));
      for (let i = 0; i < 6; i++) e.add(pt(i, i % 2));
      const s = e.calc_score(pt(2, 1));
      expect(s > 0).toBe(true);
    }
  });

  it('clear forgets the points but ids go on', () => {
    const e = make();
    e.add(pt(0, 0));
    e.add(pt(1, 0));
    expect(e.clear()).toBe(true);
    expect(e.get_all_rows()).toEqual([]);
    expect(e.add(pt(0, 0))[0]).toBe('2');
  });

  it('a packed model loads into a fresh engine and answers the same; ids restart after the largest', () => {
    const a = make();
    for (let i = 0; i < 8; i++) a.add(pt(Math.sin(i), Math.cos(i)));
    const b = make();
    b.unpackModel(packed((w) => a.packModel(w)));
    expect(b.calc_score(pt(0.3, 0.2))).toBe(a.calc_score(pt(0.3, 0.2)));
    expect(b.add(pt(0, 0))[0]).toBe('8');
    expect(() => b.unpackModel([1, 2])).toThrow();
  });
});

describe('light_lof MIX', () => {
  it('get_diff is [raw nn rows, raw score rows [id, [[owner], clock], [kdist, lrd]], weight manager]', () => {
    const e = make();
    e.addWithId('7', pt(1, 2));
    const parts = packed((w) => e.linearMixable().packDiff(w)) as MsgValue[];
    expect(parts).toHaveLength(3);
    const nn = new MsgReader(parts[0] as Uint8Array).read() as MsgValue[];
    expect(nn).toHaveLength(1);
    const scores = new MsgReader(parts[1] as Uint8Array).read() as MsgValue[][];
    expect(scores).toHaveLength(1);
    const [id, version, cols] = scores[0]!;
    expect(bytesToString(id as Uint8Array)).toBe('7');
    expect(plain(version as MsgValue)).toEqual([['127.0.0.1_9199'], 1]);
    // One point: its k nearest is itself (distance 0), so LRD +∞.
    expect(cols).toEqual([0, Infinity]);
  });

  it('two servers exchange their points and then score alike (linear and push)', () => {
    for (const push of [false, true]) {
      const one = make(config(), '10.0.0.1_1');
      const two = make(config(), '10.0.0.2_1');
      for (let i = 0; i < 5; i++) one.addWithId(String(2 * i + 1), pt(i, 1));
      for (let i = 0; i < 5; i++) two.addWithId(String(2 * i + 2), pt(i, -1));
      if (push) {
        const p1 = one.pushMixable()!;
        const p2 = two.pushMixable()!;
        const arg = (p: typeof p1): Uint8Array => bytes((w) => p.writePullArgument(w));
        const toTwo = bytes((w) => p1.pull(arg(p2), w));
        const toOne = bytes((w) => p2.pull(arg(p1), w));
        p2.push(toTwo);
        p1.push(toOne);
      } else {
        const m1 = one.linearMixable();
        const m2 = two.linearMixable();
        const mixed = m1.mixDiff(m1.unpackDiff(packed((w) => m1.packDiff(w))), m2.unpackDiff(packed((w) => m2.packDiff(w))));
        const payload = packed((w) => m1.writeDiff(w, mixed));
        expect(m1.putDiff(m1.unpackDiff(payload))).toBe(true);
        expect(m2.putDiff(m2.unpackDiff(payload))).toBe(true);
      }
      expect(one.get_all_rows().sort()).toEqual(two.get_all_rows().sort());
      expect(one.get_all_rows()).toHaveLength(10);
      expect(one.calc_score(pt(2, 0))).toBe(two.calc_score(pt(2, 0)));
    }
  });
});

describe('anomaly ids and config', () => {
  it('ids are a decimal counter; after a load, the largest numeric id + 1', () => {
    const c = new IdCounter();
    expect([c.draw(), c.draw()]).toEqual(['0', '1']);
    c.resetAfter(['5', 'x', '12', '-3', '007']);
    expect(c.draw()).toBe('13');
    c.resetAfter([]);
    expect(c.draw()).toBe('1');
    expect(maxIntId(['18446744073709551615'])).toBe(18446744073709551615n);
  });

  it('malformed configs name the key', () => {
    const bad = (c: unknown): (() => unknown) => () => parseAnomalyConfig(c);
    expect(bad({ ...config(), method: 'nope' })).toThrow(/^method: unsupported method \(nope\)/);
    expect(bad({ method: 'light_lof', converter })).toThrow(/^parameter: required key is missing/);
    expect(bad(config({ nearest_neighbor_num: 1 }))).toThrow(/^parameter\.nearest_neighbor_num: 2 <= nearest_neighbor_num/);
    expect(bad(config({ reverse_nearest_neighbor_num: 2 }))).toThrow(/^parameter\.reverse_nearest_neighbor_num: nearest_neighbor_num <= reverse_nearest_neighbor_num/);
    expect(bad(config({ ignore_kth_same_point: 1 }))).toThrow(/^parameter\.ignore_kth_same_point: expected a boolean/);
    expect(bad(config({ extra: 1 }))).toThrow(/^parameter\.extra: unknown key/);
    expect(bad(config({}, 'inverted_index'))).toThrow(/^parameter\.method: unknown method "inverted_index"/);
    expect(bad(config({ unlearner: 'lru' }))).toThrow(/^parameter\.unlearner_parameter: /);
    const { nearest_neighbor_num: _k, ...noK } = (config().parameter as Record<string, unknown>);
    expect(bad({ ...config(), parameter: noK })).toThrow(/^parameter\.nearest_neighbor_num: required key is missing/);
    expect(bad({ method: 'light_lof', parameter: config().parameter })).toThrow(/^converter: required key is missing/);
  });

  it('presets: juba feed sends [datum] to add, bench asks calc_score', () => {
    expect(anomalyFactory.presets.feed).toMatchObject({ method: 'add', wrap: false });
    expect(anomalyFactory.presets.bench.method).toBe('calc_score');
  });
});

