/**
 * The inverted index as a linear mixable (engine spec §5.4; recorded payload in
 * spec/jubatus-mix-payloads.md, recommender inverted_index). Diff wire form:
 * `[[{feature: {local id: value}}, [key2id, id2key, next_id]], {row key: Δ squared norm}]` —
 * the postings changed since the last MIX with row keys interned by a key manager local to the
 * diff, and each row's squared-norm change. Fold: the incoming diff's values overwrite per
 * (feature, row), norm changes add up. put_diff: values go to the master (0 erases), norm
 * changes add to the master norms (≤ 0 erases the row), the local diff is cleared.
 */
import { MsgpackError, expectArray, expectMap, expectNumber, expectString, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import type { LinearPart } from '../mixable.js';
import { KeyManager } from '../common/key-manager.js';
import type { InvertedIndexStorage } from './storage.js';

export interface InvertedDiff {
  /** feature → (row key → value); a value 0 removes the entry. */
  rows: Map<string, Map<string, number>>;
  /** row key → change of its squared norm. */
  norms: Map<string, number>;
}

/** What put_diff asks of a row unlearner (the recommender's); NN-less engines pass none. */
export interface RowUnlearner {
  canTouch(id: string): boolean;
  touch(id: string): boolean;
  remove(id: string): boolean;
  has(id: string): boolean;
}

export function getDiff(s: InvertedIndexStorage): InvertedDiff {
  const rows = new Map<string, Map<string, number>>();
  for (const [feature, p] of s.diff) {
    const m = new Map<string, number>();
    for (const [id, x] of p) m.set(s.keys.keyOf(id), x);
    rows.set(feature, m);
  }
  const norms = new Map<string, number>();
  for (const id of s.diffNormIds()) norms.set(s.keys.keyOf(id), s.normDiff[id]!);
  return { rows, norms };
}

export function writeDiff(w: MsgWriter, d: InvertedDiff): void {
  const local = new KeyManager();
  w.arrayHeader(2);
  w.arrayHeader(2);
  w.mapHeader(d.rows.size);
  for (const [feature, m] of d.rows) {
    w.str(feature);
    w.mapHeader(m.size);
    for (const [key, x] of m) {
      w.int(local.getId(key));
      w.float64(x);
    }
  }
  local.pack(w);
  w.mapHeader(d.norms.size);
  for (const [key, x] of d.norms) {
    w.str(key);
    w.float64(x);
  }
}

export function readDiff(v: MsgValue): InvertedDiff {
  const a = expectArray(v, 'inverted index diff', 2);
  const inv = expectArray(a[0]!, 'inverted index diff rows', 2);
  const local = KeyManager.unpack(inv[1]!, 'inverted index diff row keys');
  const rows = new Map<string, Map<string, number>>();
  for (const [f, pv] of expectMap(inv[0]!, 'inverted index diff rows').entries) {
    const m = new Map<string, number>();
    for (const [i, x] of expectMap(pv, 'inverted index diff postings').entries) {
      const id = expectNumber(i, 'inverted index diff row id');
      if (!local.hasId(id)) throw new MsgpackError(`inverted index diff: row id ${id} has no key`);
      m.set(local.keyOf(id), expectNumber(x, 'inverted index diff value'));
    }
    rows.set(expectString(f, 'inverted index diff feature'), m);
  }
  const norms = new Map<string, number>();
  for (const [k, x] of expectMap(a[1]!, 'inverted index diff norms').entries) {
    norms.set(expectString(k, 'inverted index diff norm key'), expectNumber(x, 'inverted index diff norm'));
  }
  return { rows, norms };
}

/** The fold: `incoming` overwrites `acc` per (feature, row); norm changes add. Returns `acc`. */
export function mixDiff(acc: InvertedDiff, incoming: InvertedDiff): InvertedDiff {
  for (const [feature, m] of incoming.rows) {
    let target = acc.rows.get(feature);
    if (!target) acc.rows.set(feature, (target = new Map()));
    for (const [key, x] of m) target.set(key, x);
  }
  for (const [key, x] of incoming.norms) acc.norms.set(key, (acc.norms.get(key) ?? 0) + x);
  return acc;
}

/**
 * Applies a mixed diff. With an unlearner, rows it cannot take are dropped, rows whose every
 * incoming value is ≤ 0 are removed from it, and the norms of rows it does not keep are erased.
 */
export function putDiff(s: InvertedIndexStorage, d: InvertedDiff, unlearner?: RowUnlearner): boolean {
  const update = new Map<string, boolean>();
  if (unlearner) {
    for (const m of d.rows.values()) {
      for (const [key, x] of m) {
        if (!unlearner.canTouch(key)) continue;
        update.set(key, (update.get(key) ?? false) || x > 0);
      }
    }
    for (const [key, keep] of update) (keep ? unlearner.touch(key) : unlearner.remove(key));
    for (const key of update.keys()) if (!unlearner.has(key)) update.set(key, false);
  }
  for (const [feature, m] of d.rows) {
    let target = s.master.get(feature);
    if (!target) s.master.set(feature, (target = new Map()));
    for (const [key, x] of m) {
      const id = s.keys.getId(key);
      if (x === 0) target.delete(id);
      else if (!unlearner || unlearner.has(key)) target.set(id, x);
    }
  }
  for (const [key, x] of d.norms) {
    const id = s.keys.getId(key);
    if (unlearner && !update.get(key)) s.eraseMasterNorm(id);
    else s.addMasterNorm(id, x);
  }
  s.clearDiff();
  return true;
}

/** The storage as one linear mixable (the inverted-index engines register it first). */
export function invertedIndexPart(storage: () => InvertedIndexStorage, unlearner?: () => RowUnlearner | undefined): LinearPart<InvertedDiff> {
  return {
    packDiff: (w) => writeDiff(w, getDiff(storage())),
    unpackDiff: readDiff,
    mixDiff,
    writeDiff,
    putDiff: (d) => putDiff(storage(), d, unlearner?.()),
  };
}
