/**
 * The model juba packs after a reference scenario's calls equals the one 1.1.1 saved after them
 * (the scenario's `.jubatus`), compared as msgpack values with maps as maps (their order is
 * libstdc++ hash order, which readers do not depend on).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MsgMap, type MsgValue } from '../../src/msgpack/reader.js';
import { recommenderFactory, type RecommenderEngine } from '../../src/engine/recommender/service.js';
import { decodeModelFile } from '../../src/server/model-file.js';
import { packed } from '../harness/msgpack.js';
import { loadScenario, modelFileOf } from '../harness/reference.js';

/** Maps become objects with sorted keys, bytes hex, bigints strings: a value toEqual can compare. */
function canonical(v: MsgValue): unknown {
  if (v instanceof Uint8Array) return `h'${Buffer.from(v).toString('hex')}'`;
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(canonical);
  if (v instanceof MsgMap) {
    const entries = v.entries.map(([k, x]) => [String(canonical(k)), canonical(x)] as const);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return Object.fromEntries(entries);
  }
  return v;
}

/** `[{row: {column id: value}}, [key2id, id2key, next]]` (canonical) → {row: {feature key: value}}. */
function origByKey(orig: unknown): Record<string, Record<string, number>> {
  const [rows, km] = orig as [Record<string, Record<string, number>>, [unknown, Record<string, string>, number]];
  const out: Record<string, Record<string, number>> = {};
  for (const [row, cols] of Object.entries(rows)) {
    out[row] = Object.fromEntries(Object.entries(cols).map(([id, v]) => [km[1][id]!, v]));
  }
  return out;
}

function datum(v: unknown): { stringValues: Array<[string, string]>; numValues: Array<[string, number]>; binaryValues: Array<[string, Uint8Array]> } {
  const [s, n] = v as [Array<[string, string]>, Array<[string, number]>];
  return { stringValues: s, numValues: n, binaryValues: [] };
}

/** Replays a scenario's model-changing calls; failing calls (as in 1.1.1) change nothing. */
function replayUpdates(name: string, owner: string): RecommenderEngine {
  const s = loadScenario(name);
  const e = recommenderFactory.create(JSON.parse(s.calls[0]!.result as string), { owner }) as RecommenderEngine;
  for (const c of s.calls) {
    try {
      if (c.method === 'update_row') e.update_row(c.args[0] as string, datum(c.args[1]));
      else if (c.method === 'clear_row') e.clear_row(c.args[0] as string);
      else if (c.method === 'clear') e.clear();
    } catch {
      // e.g. the "feature key cannot contain '$'" call
    }
  }
  return e;
}

describe('recommender model data equals 1.1.1\'s saved model', () => {
  for (const method of ['inverted_index', 'inverted_index_euclid', 'lsh', 'minhash', 'euclid_lsh', 'nearest_neighbor_recommender']) {
    it(method, () => {
      const name = `recommender-${method}`;
      const file = decodeModelFile(fs.readFileSync(modelFileOf(name)), { type: 'recommender', userDataVersion: 1, config: undefined });
      const e = replayUpdates(name, '127.0.0.1_19758');
      const ours = canonical(packed((w) => e.packModel(w))) as unknown[];
      const theirs = canonical(file.model) as unknown[];
      const [oursRec, oursWm] = ours as [unknown[], unknown];
      const [theirsRec, theirsWm] = theirs as [unknown[], unknown];
      // orig: rows by feature key. Column ids are first-seen ids, and the tokens of one string
      // value come in libstdc++ hash order in 1.1.1 (engine spec §2.11), so ids may differ.
      expect(origByKey(oursRec[0])).toEqual(origByKey(theirsRec[0]));
      expect(oursRec[1]).toEqual(theirsRec[1]); // the method's index
      expect(oursWm).toEqual(theirsWm);
    });
  }
});
