/**
 * The recommender's linear MIX diff against 1.1.1's recorded get_diff (spec/jubatus-mix-payloads.md,
 * recommender inverted_index): the same calls give the same diff. Maps are compared as maps: their
 * order is libstdc++ hash order, and the diff's row ids are local to it, so rows are compared by key.
 */
import { describe, expect, it } from 'vitest';
import { MsgMap, bytesToString, decodeOne, type MsgValue } from '../../src/msgpack/reader.js';
import { readDiff } from '../../src/engine/inverted_index/diff.js';
import { recommenderFactory, type RecommenderEngine } from '../../src/engine/recommender/service.js';
import { bytes } from '../harness/msgpack.js';
import { loadScenario } from '../harness/reference.js';

function engineOf(scenario: string, distributed = true): RecommenderEngine {
  const s = loadScenario(scenario);
  const config = JSON.parse(s.calls[0]!.result as string) as unknown;
  return recommenderFactory.create(config, { owner: '127.0.0.1_19591', distributed }) as RecommenderEngine;
}

function datum(v: unknown): { stringValues: Array<[string, string]>; numValues: Array<[string, number]>; binaryValues: Array<[string, Uint8Array]> } {
  const [s, n] = v as [Array<[string, string]>, Array<[string, number]>];
  return { stringValues: s, numValues: n, binaryValues: [] };
}

/** The first five update_row calls of a scenario, applied. */
function fiveUpdates(e: RecommenderEngine, scenario: string): void {
  const calls = loadScenario(scenario).calls.filter((c) => c.method === 'update_row').slice(0, 5);
  for (const c of calls) e.update_row(c.args[0] as string, datum(c.args[1]));
}

describe('recommender inverted_index get_diff', () => {
  it('equals 1.1.1\'s recorded diff after the scenario\'s first five updates', () => {
    const e = engineOf('recommender-inverted_index');
    fiveUpdates(e, 'recommender-inverted_index');
    const raw = bytes((w) => e.linearMixable().packDiff(w));
    const top = decodeOne(raw) as MsgValue[];
    expect(top).toHaveLength(2);
    const d = readDiff(top[0]!);
    const rows = Object.fromEntries([...d.rows].map(([f, m]) => [f, Object.fromEntries(m)]));
    expect(rows).toEqual({
      'body$election@space#tf/bin': { r4: 1, r1: 1 },
      'len@num': { r4: 5, r2: 4, r1: 8, r0: 4 },
      'y@num': { r4: 3.2449, r3: -0.8303, r2: 0.9543, r1: 4.0374, r0: 0.6677 },
      'body$party@space#tf/bin': { r1: 1 },
      'body$opera@space#tf/bin': { r3: 1 },
      'x@num': { r4: 0.534, r3: -0.8197, r2: -2.9626, r1: 1.4466, r0: -1.5721 },
      'body$new@space#tf/bin': { r3: 1, r2: 1, r1: 1 },
      'tag$src0@str#bin/bin': { r3: 1, r0: 1 },
      'tag$src3@str#bin/bin': { r4: 1, r2: 1, r1: 1 },
      'body$court@space#tf/bin': { r4: 2 },
      'body$theory@space#tf/bin': { r0: 1 },
      'body$story@space#tf/bin': { r3: 1, r2: 1 },
      'body$debate@space#tf/bin': { r4: 1 },
      'body$and@space#tf/bin': { r3: 1 },
      'body$a@space#tf/bin': { r0: 1 },
      'body$color@space#tf/bin': { r3: 1 },
      'body$paint@space#tf/bin': { r3: 1 },
      'body$atom@space#tf/bin': { r2: 1 },
      'body$tax@space#tf/bin': { r1: 2 },
      'body$the@space#tf/bin': { r2: 1 },
      'body$gene@space#tf/bin': { r0: 1 },
      'body$small@space#tf/bin': { r0: 1 },
      'body$vote@space#tf/bin': { r4: 1, r1: 3 },
    });
    // Squared norms, bit for bit (the doubles of the recorded payload).
    expect(Object.fromEntries(d.norms)).toEqual({
      r0: 23.917321700000002, r1: 99.39325031999999, r2: 30.687687250000003, r3: 8.36130618, r4: 43.81453201,
    });
    // The weight manager part: nothing counted under bin weights. (Its version, [1] in the
    // recording, is the weight manager's own and not checked here.)
    const wm = top[1] as MsgValue[];
    expect(wm[0]).toEqual([0, [new MsgMap([])], [new MsgMap([])], [new MsgMap([])], new MsgMap([])]);
  });

  it('put_diff of the folded diffs of two servers gives each the union of rows', () => {
    const a = engineOf('recommender-inverted_index');
    const b = engineOf('recommender-inverted_index');
    a.update_row('a1', datum([[['body', 'red apple']], []]));
    b.update_row('b1', datum([[['body', 'red car']], []]));
    const ma = a.linearMixable();
    const mb = b.linearMixable();
    const da = ma.unpackDiff(decodeOne(bytes((w) => ma.packDiff(w))));
    const db = mb.unpackDiff(decodeOne(bytes((w) => mb.packDiff(w))));
    const mixed = ma.mixDiff(da, db);
    const wire = decodeOne(bytes((w) => ma.writeDiff(w, mixed)));
    expect(ma.putDiff(ma.unpackDiff(wire))).toBe(true);
    expect(mb.putDiff(mb.unpackDiff(wire))).toBe(true);
    for (const e of [a, b]) {
      expect(e.get_all_rows().sort()).toEqual(['a1', 'b1']);
      expect(e.similar_row_from_datum(datum([[['body', 'red']], []]), 5).map((p) => p[1])).toEqual([1 / Math.sqrt(2), 1 / Math.sqrt(2)]);
    }
  });
});

describe('recommender lsh/minhash/euclid_lsh get_diff', () => {
  for (const method of ['lsh', 'minhash', 'euclid_lsh']) {
    it(`${method}: rows travel as {id: …} and put_diff makes them the other server's`, () => {
      const a = engineOf(`recommender-${method}`);
      const b = engineOf(`recommender-${method}`);
      fiveUpdates(a, `recommender-${method}`);
      const ma = a.linearMixable();
      const diff = decodeOne(bytes((w) => ma.packDiff(w))) as MsgValue[];
      const keys = (diff[0] as MsgMap).entries.map(([k]) => bytesToString(k as Uint8Array)).sort();
      expect(keys).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
      const mb = b.linearMixable();
      expect(mb.putDiff(mb.unpackDiff(diff))).toBe(true);
      // b has no orig rows: compare by the index (similar_row_from_id ranks from it).
      expect(b.similar_row_from_id('r1', 5)).toEqual(a.similar_row_from_id('r1', 5));
      expect(b.get_all_rows().sort()).toEqual(keys);
      // After a mix nothing is pending; a removal is sent as an empty entry.
      a.clear_row('r0');
      expect(ma.putDiff(ma.unpackDiff(decodeOne(bytes((w) => ma.packDiff(w)))))).toBe(true);
      const after = decodeOne(bytes((w) => ma.packDiff(w))) as MsgValue[];
      expect((after[0] as MsgMap).entries).toHaveLength(0);
    });
  }
});

describe('recommender nearest_neighbor_recommender MIX', () => {
  const query = datum([[['body', 'tax vote election']], [['x', 1]]]);

  it('linear: the table diff carries the rows, put_diff makes them the other server\'s', () => {
    const a = engineOf('recommender-nearest_neighbor_recommender');
    const b = engineOf('recommender-nearest_neighbor_recommender');
    fiveUpdates(a, 'recommender-nearest_neighbor_recommender');
    const ma = a.linearMixable();
    const mb = b.linearMixable();
    expect(mb.putDiff(mb.unpackDiff(decodeOne(bytes((w) => ma.packDiff(w)))))).toBe(true);
    expect(b.get_all_rows().sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(b.similar_row_from_datum(query, 5)).toEqual(a.similar_row_from_datum(query, 5));
  });

  it('push: a peer pulls what it lacks', () => {
    const a = engineOf('recommender-nearest_neighbor_recommender');
    const b = engineOf('recommender-nearest_neighbor_recommender');
    fiveUpdates(a, 'recommender-nearest_neighbor_recommender');
    const pa = a.pushMixable()!;
    const pb = b.pushMixable()!;
    const arg = bytes((w) => pb.writePullArgument(w));
    pb.push(bytes((w) => pa.pull(arg, w)));
    expect(b.similar_row_from_datum(query, 5)).toEqual(a.similar_row_from_datum(query, 5));
  });

  it('the other methods have no push mixable', () => {
    for (const m of ['inverted_index', 'inverted_index_euclid', 'lsh', 'minhash', 'euclid_lsh']) {
      expect(engineOf(`recommender-${m}`).pushMixable()).toBeUndefined();
    }
  });
});

describe('recommender MIX with a row unlearner', () => {
  it('inverted_index: rows the unlearner cannot take are dropped from the incoming diff', () => {
    const make = (): RecommenderEngine => recommenderFactory.create({
      method: 'inverted_index',
      parameter: { unlearner: 'lru', unlearner_parameter: { max_size: 2, sticky_pattern: 'keep*' } },
      converter: JSON.parse(loadScenario('recommender-inverted_index').calls[0]!.result as string).converter,
    }, { owner: 'x' }) as RecommenderEngine;
    const a = make();
    const b = make();
    b.update_row('keep1', datum([[['body', 'red']], []]));
    b.update_row('keep2', datum([[['body', 'red']], []]));
    a.update_row('other', datum([[['body', 'red']], []]));
    const ma = a.linearMixable();
    const mb = b.linearMixable();
    // A MIX round folds every member's diff, b's own included.
    const mixed = mb.mixDiff(mb.unpackDiff(decodeOne(bytes((w) => mb.packDiff(w)))), ma.unpackDiff(decodeOne(bytes((w) => ma.packDiff(w)))));
    const wire = decodeOne(bytes((w) => mb.writeDiff(w, mixed)));
    expect(mb.putDiff(mb.unpackDiff(wire))).toBe(true);
    expect(b.get_all_rows().sort()).toEqual(['keep1', 'keep2']);
    expect(ma.putDiff(ma.unpackDiff(wire))).toBe(true);
    // a: the two sticky rows arrive and push its own non-sticky row out.
    expect(a.get_all_rows().sort()).toEqual(['keep1', 'keep2']);
  });
});

describe('recommender lsh: a master row removed, set again and removed again', () => {
  it('is sent as a removal by the next MIX', () => {
    const a = engineOf('recommender-lsh');
    const ma = a.linearMixable();
    a.update_row('r', datum([[['body', 'red']], []]));
    expect(ma.putDiff(ma.unpackDiff(decodeOne(bytes((w) => ma.packDiff(w)))))).toBe(true);
    a.clear_row('r');
    a.update_row('r', datum([[['body', 'blue']], []]));
    a.clear_row('r');
    const d = decodeOne(bytes((w) => ma.packDiff(w))) as MsgValue[];
    const rows = (d[0] as MsgMap).entries.map(([k, v]) => [bytesToString(k as Uint8Array), (v as MsgValue[])[0]]);
    expect(rows).toEqual([['r', 0]]);
  });
});

describe('recommender euclid_lsh: removals', () => {
  it('a removal of a mixed row is pending (kept through save/load) until the next MIX carries it', () => {
    const a = engineOf('recommender-euclid_lsh');
    fiveUpdates(a, 'recommender-euclid_lsh');
    const ma = a.linearMixable();
    expect(ma.putDiff(ma.unpackDiff(decodeOne(bytes((w) => ma.packDiff(w)))))).toBe(true);
    a.clear_row('r2');
    expect(a.get_all_rows().sort()).toEqual(['r0', 'r1', 'r3', 'r4']);
    expect(a.similar_row_from_id('r2', 5)).toEqual([]);
    expect(a.similar_row_from_id('r1', 5).map((p) => p[0])).not.toContain('r2');

    const b = engineOf('recommender-euclid_lsh');
    b.unpackModel(decodeOne(bytes((w) => a.packModel(w))));
    const mb = b.linearMixable();
    const pending = decodeOne(bytes((w) => mb.packDiff(w))) as MsgValue[];
    const entries = (pending[0] as MsgMap).entries.map(([k, v]) => [bytesToString(k as Uint8Array), ((v as MsgValue[])[0] as MsgValue[]).length]);
    expect(entries).toEqual([['r2', 0]]);
    expect(mb.putDiff(mb.unpackDiff(pending))).toBe(true);
    expect((decodeOne(bytes((w) => mb.packDiff(w))) as MsgValue[])[0]).toEqual(new MsgMap([]));
    expect(b.get_all_rows().sort()).toEqual(['r0', 'r1', 'r3', 'r4']);
  });
});
