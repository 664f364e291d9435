/**
 * lof's LOF machinery (engine/anomaly/lof.ts) over the LofRecommender seam, with an in-test
 * brute-force cosine recommender standing in for 1.1.1's inverted_index (distance 1 − cos,
 * values stored as float32, rows with dot 0 never returned, ties → the later row first). With
 * it, the whole 1.1.1 lof reference scenario replays in process, and the first five adds give
 * the lof_storage MIX diff 1.1.1 sent (mix-payloads spec, anomaly); both again over the
 * recommender engine's real inverted_index (the default LOF_RECOMMENDERS table).
 */
import { describe, expect, it } from 'vitest';
import { createAnomalyEngine } from '../../src/engine/anomaly/service.js';
import { lofScore, dropSelf } from '../../src/engine/anomaly/driver.js';
import { HashOrderMap } from '../../src/engine/common/hash-order.js';
import { Lof, LofStorage, mergeVector, mixLofTables, readLofTable, writeLofTable, type LofTable } from '../../src/engine/anomaly/lof.js';
import { makeLofRecommender, type LofRecommender, type LofRecommenderMaker, type Neighbor } from '../../src/engine/anomaly/lof-recommender.js';
import type { Datum, FeatureVector } from '../../src/engine/datum.js';
import { MsgMap, MsgReader, type MsgValue } from '../../src/msgpack/reader.js';
import { MsgWriter } from '../../src/msgpack/writer.js';
import { fixtureModel } from '../harness/model-fixture.js';
import { packed } from '../harness/msgpack.js';
import { configOf, difference, loadScenario, plain } from '../harness/reference.js';

/** 1.1.1's inverted_index recommender, by brute force (enough for a few hundred rows). */
class CosineRecommender implements LofRecommender {
  private rows = new Map<string, { doc: number; keys: string[]; values: number[] }>();
  private nextDoc = 0;
  private docIds = new Map<string, number>();

  private docOf(id: string): number {
    let d = this.docIds.get(id);
    if (d === undefined) {
      d = this.nextDoc++;
      this.docIds.set(id, d);
    }
    return d;
  }

  private scores(q: FeatureVector, size: number): Neighbor[] {
    let qn = 0;
    for (const v of q.values) qn += v * v;
    if (qn === 0 || size === 0) return [];
    const found: Array<[number, number, string]> = [];
    for (const [id, r] of this.rows) {
      let dot = 0;
      for (let i = 0; i < q.keys.length; i++) {
        const at = r.keys.indexOf(q.keys[i]!);
        if (at >= 0) dot += r.values[at]! * q.values[i]!;
      }
      if (dot === 0) continue;
      let n = 0;
      for (const v of r.values) n += v * v;
      if (n === 0) continue;
      const cos = n === qn && n === dot ? 1 : dot / Math.sqrt(n) / Math.sqrt(qn);
      found.push([cos, r.doc, id]);
    }
    found.sort((a, b) => b[0] - a[0] || b[1] - a[1]);
    return found.slice(0, size).map(([cos, , id]): Neighbor => [id, 1 - Math.min(Math.max(-1, cos), 1)]);
  }

  neighborRowFromId(id: string, size: number): Neighbor[] {
    return this.scores(this.decodeRow(id), size);
  }

  neighborRowFromFv(fv: FeatureVector, size: number): Neighbor[] {
    return this.scores(fv, size);
  }

  decodeRow(id: string): FeatureVector {
    const r = this.rows.get(id);
    return r ? { keys: r.keys.slice(), values: r.values.slice() } : { keys: [], values: [] };
  }

  updateRow(id: string, fv: FeatureVector): void {
    const r = this.rows.get(id) ?? { doc: this.docOf(id), keys: [], values: [] };
    for (let i = 0; i < fv.keys.length; i++) {
      const at = r.keys.indexOf(fv.keys[i]!);
      if (at >= 0) r.values[at] = Math.fround(fv.values[i]!);
      else {
        r.keys.push(fv.keys[i]!);
        r.values.push(Math.fround(fv.values[i]!));
      }
    }
    this.rows.set(id, r);
  }

  clearRow(id: string): void {
    this.rows.delete(id);
  }

  clear(): void {
    this.rows.clear();
  }

  allRows(): string[] {
    return [...this.rows.keys()];
  }

  pack(w: MsgWriter): void {
    w.arrayHeader(0);
  }

  unpack(): () => void {
    return () => {};
  }

  linearPart() {
    return {
      packDiff: (w: MsgWriter) => w.arrayHeader(0),
      unpackDiff: () => [],
      mixDiff: (a: unknown) => a,
      writeDiff: (w: MsgWriter) => w.arrayHeader(0),
      putDiff: () => true,
    };
  }
}

const cosine: Record<string, LofRecommenderMaker> = { inverted_index: () => new CosineRecommender() };
const fv = (pairs: Array<[string, number]>): FeatureVector => ({ keys: pairs.map((p) => p[0]), values: pairs.map((p) => p[1]) });
const datum = (a: unknown): Datum => {
  const [s, n, b] = a as [Array<[string, string]>, Array<[string, number]>, Array<[string, Uint8Array]>?];
  return { stringValues: s, numValues: n, binaryValues: b ?? [] };
};
const expected = (v: unknown): unknown => {
  if (v && typeof v === 'object' && '$f' in (v as object)) {
    const f = (v as { $f: string }).$f;
    return f === 'Infinity' ? Infinity : f === '-Infinity' ? -Infinity : f === 'NaN' ? NaN : -0;
  }
  return Array.isArray(v) ? v.map(expected) : v;
};

describe('LOF arithmetic shared by lof and light_lof', () => {
  it('lofScore: mean neighbour LRD over the LRD; no neighbour → +∞ (1 when lrd is 0); both infinite → 1', () => {
    expect(lofScore(2, [1, 3])).toBe(1);
    expect(lofScore(0.5, [1, 2])).toBe(3);
    expect(lofScore(Infinity, [])).toBe(Infinity);
    expect(lofScore(0, [])).toBe(1);
    expect(lofScore(Infinity, [Infinity, 1])).toBe(1);
    expect(lofScore(Infinity, [1])).toBe(0);
  });

  it('dropSelf swaps the query with the last entry before popping it (1.1.1 reorders)', () => {
    expect(dropSelf([['a', 0], ['b', 1], ['c', 2]], 'a')).toEqual([['c', 2], ['b', 1]]);
    expect(dropSelf([['a', 0], ['b', 1]], 'z')).toEqual([['a', 0], ['b', 1]]);
  });

  it('mergeVector overwrites the first same key and appends new ones (common::merge_vector)', () => {
    expect(mergeVector(fv([['x', 1], ['y', 2]]), fv([['y', 5], ['z', 3]]))).toEqual(fv([['x', 1], ['y', 5], ['z', 3]]));
  });
});

describe('lof_storage over a recommender', () => {
  const params = { k: 2, reverseK: 3, ignoreKthSamePoint: false };

  it('k-distance is the k-th neighbour (the row itself counted); LRD adds 1e-15; the score follows', () => {
    const nn = new CosineRecommender();
    const s = new LofStorage(params, nn);
    s.updateRow('a', fv([['x', 1]]));
    s.updateRow('b', fv([['x', 1], ['y', 1]]));
    s.updateRow('c', fv([['y', 1]]));
    const d = 1 - 1 / Math.SQRT2;
    // Every row's 2 nearest: itself (0) and one at 1 − cos 45°.
    for (const id of ['a', 'b', 'c']) expect(s.kdist(id)).toBeCloseTo(d, 6);
    expect(s.lrd('a')).toBeCloseTo(2 / (2 * d + 1e-15), 6);
    // An id query leaves itself out and keeps k + 1 − 1 neighbours.
    expect(s.scoreOfId('b')).toBeCloseTo(1, 6);
    expect(s.status()).toEqual({ num_id_master: '0', num_id_diff: '3' });
  });

  it('a removed row is marked (kdist −1) until the next MIX and its lookups fail', () => {
    const s = new LofStorage(params, new CosineRecommender());
    s.updateRow('a', fv([['x', 1]]));
    s.removeRow('a');
    expect(s.diff.get('a')!.kdist).toBe(-1);
    expect(() => s.kdist('a')).toThrow(/recently removed/);
    expect(() => s.lrd('nope')).toThrow(/does not exist/);
  });

  it('MIX: removals win in the fold, entries are added when missing; put_diff keeps local removals others missed', () => {
    const acc: LofTable = HashOrderMap.from([['a', { kdist: 1, lrd: 2 }], ['b', { kdist: 3, lrd: 4 }]]);
    const incoming: LofTable = HashOrderMap.from([['a', { kdist: 9, lrd: 9 }], ['b', { kdist: -1, lrd: 0 }], ['c', { kdist: 5, lrd: 6 }]]);
    const mixed = mixLofTables(acc, incoming);
    expect(Object.fromEntries(mixed)).toEqual({ a: { kdist: 1, lrd: 2 }, b: { kdist: -1, lrd: 4 }, c: { kdist: 5, lrd: 6 } });

    const s = new LofStorage(params, new CosineRecommender());
    s.master.set('b', { kdist: 3, lrd: 4 });
    s.diff.set('z', { kdist: -1, lrd: 0 });
    expect(s.putDiff(mixed)).toBe(true);
    expect(s.master.keys().sort()).toEqual(['a', 'c']);
    expect([...s.diff]).toEqual([['z', { kdist: -1, lrd: 0 }]]);
  });

  it('the diff travels as a map id → [kdist, lrd] of float64', () => {
    const t: LofTable = HashOrderMap.from([['1', { kdist: 0.5, lrd: 2 }]]);
    const w = new MsgWriter();
    writeLofTable(w, t);
    expect(Buffer.from(w.toBytes()).toString('hex')).toBe('81a13192cb3fe0000000000000cb4000000000000000');
    expect([...readLofTable(new MsgReader(w.toBytes()).read() as MsgValue, 'diff')]).toEqual([...t]);
  });
});

describe('lof with an unlearner', () => {
  it('lru: a new row beyond max_size forgets the least recently written one (marked removed for MIX)', () => {
    const config = {
      method: 'lof',
      parameter: {
        nearest_neighbor_num: 2, reverse_nearest_neighbor_num: 3, method: 'inverted_index', parameter: {},
        unlearner: 'lru', unlearner_parameter: { max_size: 3 },
      },
      converter: { num_rules: [{ key: '*', type: 'num' }] },
    };
    const e = createAnomalyEngine(config, { owner: 'x_1' }, cosine);
    const d = (x: number, y: number): Datum => ({ stringValues: [], numValues: [['x', x], ['y', y]], binaryValues: [] });
    for (const [x, y] of [[1, 0], [1, 1], [0, 1]] as const) e.add(d(x, y));
    e.update('0', d(1, 0.1));
    e.add(d(1, 2));
    expect(e.get_all_rows().sort()).toEqual(['0', '2', '3']);
    expect((e.driver as Lof).storage.diff.get('1')?.kdist).toBe(-1);
    expect(e.status()).toMatchObject({ storage: 'lof', num_id_diff: '4' });
    // [unlearner, lof_storage, recommender]
    expect(packed((w) => e.packModel(w)) as MsgValue[][]).toSatisfy((m) => m[0]!.length === 3);
  });
});

describe('lof configs and the recommender seam', () => {
  const config = JSON.parse(configOf(loadScenario('anomaly-lof'))) as Record<string, unknown>;

  it('a recommender method missing from the table is refused naming the key', () => {
    expect(() => createAnomalyEngine(config, { owner: 'x_1' }, {})).toThrow('parameter.method: recommender method "inverted_index" is not available yet');
    expect(() => makeLofRecommender('no_such', {}, 'x_1', {})).toThrow(/parameter\.method: unsupported method \(no_such\)/);
  });

  it('the maker gets the recommender parameter block, its key path and the owner', () => {
    const seen: unknown[] = [];
    makeLofRecommender('lsh', { hash_num: 8 }, 'h_1', { lsh: (p, path, owner) => (seen.push(p, path, owner), new CosineRecommender()) });
    expect(seen).toEqual([{ hash_num: 8 }, 'parameter.parameter', 'h_1']);
  });
});

const RECOMMENDERS: Array<[string, Record<string, LofRecommenderMaker> | undefined]> = [
  ['the brute-force cosine recommender', cosine],
  ['the recommender engine\'s inverted_index', undefined],
];

describe.each(RECOMMENDERS)('1.1.1 lof reference scenario, in process over %s', (_, recommenders) => {
  it('every answer agrees (scores within 1e-6)', () => {
    const s = loadScenario('anomaly-lof');
    const engine = createAnomalyEngine(JSON.parse(configOf(s)), { owner: '127.0.0.1_9199' }, recommenders);
    const diffs: string[] = [];
    s.calls.forEach((c, i) => {
      if (c.method === 'get_config') return;
      let got: unknown;
      let error: string | undefined;
      try {
        if (c.method === 'get_status') got = engine.status();
        else {
          const a = c.args as unknown[];
          switch (c.method) {
            case 'add': got = engine.add(datum(a[0])); break;
            case 'add_bulk': got = engine.add_bulk((a[0] as unknown[]).map(datum)); break;
            case 'calc_score': got = engine.calc_score(datum(a[0])); break;
            case 'update': got = engine.update(a[0] as string, datum(a[1])); break;
            case 'overwrite': got = engine.overwrite(a[0] as string, datum(a[1])); break;
            case 'clear_row': got = engine.clear_row(a[0] as string); break;
            case 'clear': got = engine.clear(); break;
            case 'get_all_rows': got = engine.get_all_rows().sort(); break;
            default: throw new Error(`unexpected ${c.method}`);
          }
        }
      } catch (e) {
        error = (e as Error).message;
      }
      if (c.error !== undefined) {
        if (error !== c.error) diffs.push(`#${i} ${c.method}: error ${error} ≠ ${String(c.error)}`);
        return;
      }
      if (error !== undefined) return void diffs.push(`#${i} ${c.method}: unexpected error ${error}`);
      if (c.method === 'get_status') {
        const want = Object.values(c.result as Record<string, Record<string, string>>)[0]!;
        for (const k of ['storage', 'max_id', 'num_id_diff', 'num_id_master', 'num_ignored']) {
          if ((got as Record<string, string>)[k] !== want[k]) diffs.push(`#${i} status ${k}: ${(got as Record<string, string>)[k]} ≠ ${want[k]}`);
        }
        return;
      }
      const want = c.sorted ? [...(c.result as string[])].sort() : expected(c.result);
      const d = difference(got, want);
      if (d) diffs.push(`#${i} ${c.method}: ${d}`);
    });
    expect(diffs).toEqual([]);
    // lof_storage as 1.1.1 saved it after the same calls: [master, diff, k, reverse k, flag].
    const theirsPacked = (fixtureModel('anomaly-lof') as MsgValue[][])[0]![0] as MsgValue[];
    const oursPacked = packed((w) => (engine.driver as Lof).storage.pack(w)) as MsgValue[];
    expect(difference(plain(oursPacked), plain(theirsPacked))).toBeUndefined();
    // The diff table's entries come in 1.1.1's hash order too.
    const keysOf = (m: MsgValue): unknown[] => (m as MsgMap).entries.map(([k]) => plain(k));
    expect(keysOf(oursPacked[1]!)).toEqual(keysOf(theirsPacked[1]!));
  });

  it('the first five adds leave the lof_storage diff 1.1.1 sent in get_diff', () => {
    const s = loadScenario('anomaly-lof');
    const engine = createAnomalyEngine(JSON.parse(configOf(s)), { owner: '127.0.0.1_9199' }, recommenders);
    const adds = s.calls.filter((c) => c.method === 'add').slice(0, 5);
    // The capture ran in a cluster: ids from ZooKeeper, 1…5.
    adds.forEach((c, i) => engine.addWithId(String(i + 1), datum((c.args as unknown[])[0])));
    const w = new MsgWriter();
    engine.linearMixable().packDiff(w);
    const parts = new MsgReader(w.toBytes()).read() as MsgValue[];
    const diff = readLofTable(parts[0]!, 'lof diff');
    const want: Record<string, [number, number]> = {
      5: [1.4789314867499164, 0.7438216106235555],
      4: [1.4789314867499164, 0.7438216106235555],
      3: [1.436354503679155, 0.7438216106235555],
      2: [1.4437834589526126, 0.7438216106235555],
      1: [0.8840409198564689, 0.7438216106235555],
    };
    const got = Object.fromEntries([...diff].map(([id, e]) => [id, [e.kdist, e.lrd]]));
    expect(difference(got, want)).toBeUndefined();
    // On the wire in 1.1.1's hash order.
    expect((parts[0] as MsgMap).entries.map(([k]) => plain(k))).toEqual(['5', '4', '3', '2', '1']);
  });
});
