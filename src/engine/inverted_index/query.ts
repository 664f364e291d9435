/**
 * Top-k queries over the inverted index (1.1.1's calc_scores / calc_euclid_scores, engine spec
 * §6.4, §7): the query's features walk their posting lists and accumulate dot products per row,
 * so only rows sharing a feature with the query are touched. Results are 1.1.1's: ranked by
 * score, ties by the larger row id (its heap orders (score, id) pairs), best first.
 */
import type { FeatureVector } from '../datum.js';
import { TopK } from '../nearest_neighbor/top-k.js';
import type { InvertedIndexStorage } from './storage.js';

export type ScoredRow = [string, number];

/** Dot products of the query with the rows it shares features with; reused across queries. */
class Accumulator {
  dots = new Float64Array(64);
  seen = new Uint8Array(64);
  touched = new Int32Array(64);
  count = 0;

  reset(n: number): void {
    for (let i = 0; i < this.count; i++) {
      const id = this.touched[i]!;
      this.dots[id] = 0;
      this.seen[id] = 0;
    }
    this.count = 0;
    if (n > this.dots.length) {
      let cap = this.dots.length;
      while (cap < n) cap *= 2;
      this.dots = new Float64Array(cap);
      this.seen = new Uint8Array(cap);
      this.touched = new Int32Array(cap);
    }
  }

  add(id: number, x: number): void {
    this.dots[id] = this.dots[id]! + x;
    if (!this.seen[id]) {
      this.seen[id] = 1;
      this.touched[this.count++] = id;
    }
  }
}

const acc = new Accumulator();

/** Σ v² in the query's order, as 1.1.1 sums it. */
export function squaredNorm(fv: FeatureVector): number {
  let s = 0;
  for (const v of fv.values) s += v * v;
  return s;
}

/** Fills `acc` with the query's dot product per touched row: diff postings, then master ones the diff does not shadow. */
function accumulate(s: InvertedIndexStorage, fv: FeatureVector): void {
  acc.reset(s.keys.nextId);
  const { keys, values } = fv;
  for (let i = 0; i < keys.length; i++) {
    const val = values[i]!;
    const d = s.diff.get(keys[i]!);
    const m = s.master.get(keys[i]!);
    if (d) for (const [id, x] of d) acc.add(id, x * val);
    if (m) {
      for (const [id, x] of m) if (!d || !d.has(id)) acc.add(id, x * val);
    }
  }
}

/** Offers (s, r) to a heap keeping the k lexicographically smallest pairs. */
function offer(top: TopK, score: number, r: number): void {
  if (top.n < top.k) top.push(score, r);
  else if (score < top.s[0]! || (score === top.s[0]! && r < top.r[0]!)) top.replaceTop(score, r);
}

/**
 * The k rows most cosine-similar to the query, similarity clamped to [−1, 1]. Rows sharing no
 * feature (dot product 0) are never candidates; an empty query finds nothing. Exactly equal
 * vectors score 1 without rounding (1.1.1's shortcut when both norms and the dot agree).
 */
export function cosineTopK(s: InvertedIndexStorage, fv: FeatureVector, k: number): ScoredRow[] {
  const qn = squaredNorm(fv);
  if (qn === 0 || k <= 0) return [];
  accumulate(s, fv);
  const top = new TopK(Math.min(k, Math.max(acc.count, 1)));
  for (let i = 0; i < acc.count; i++) {
    const id = acc.touched[i]!;
    const dot = acc.dots[id]!;
    if (dot === 0) continue;
    const sn = s.squaredNorm(id);
    if (sn === 0) continue;
    const cos = sn !== qn || sn !== dot ? dot / Math.sqrt(sn) / Math.sqrt(qn) : 1.0;
    // The heap keeps the smallest pairs: (−cos, −id) ranks by cos descending, then id descending.
    offer(top, -cos, -id);
  }
  const r = top.sorted();
  return r.rows.map((negId, i) => [s.keys.keyOf(-negId), Math.min(Math.max(-1, -r.scores[i]!), 1)]);
}

/**
 * The k rows nearest in Euclidean distance, scored −distance (the self match is −0). Every row
 * with a norm is a candidate, as in 1.1.1: rows sharing no feature with the query sit at
 * sqrt(|q|² + |r|²), so after the posting-list pass one sweep of the norm column ranks them
 * without touching any posting list. `onlySharing` keeps just the rows sharing a feature
 * (1.1.1's calc_euclid_scores_ignore_orthogonal, for the recommender).
 */
export function euclidTopK(s: InvertedIndexStorage, fv: FeatureVector, k: number, onlySharing = false): ScoredRow[] {
  if (k <= 0) return [];
  const qn = squaredNorm(fv);
  accumulate(s, fv);
  const n = s.keys.nextId;
  const top = new TopK(Math.min(k, Math.max(onlySharing ? acc.count : n, 1)));
  const norms = s.normSum;
  for (let i = 0; i < acc.count; i++) {
    const id = acc.touched[i]!;
    const sn = norms[id]!;
    if (sn === 0) continue;
    const d2 = qn + sn - 2 * acc.dots[id]!;
    offer(top, Math.sqrt(Math.max(0, d2)), -id);
  }
  if (!onlySharing) {
    const seen = acc.seen;
    for (let id = 0; id < n; id++) {
      if (seen[id]) continue;
      const sn = norms[id]!;
      if (sn === 0) continue;
      const d = Math.sqrt(Math.max(0, qn + sn));
      if (top.n === top.k && d > top.s[0]!) continue;
      offer(top, d, -id);
    }
  }
  const r = top.sorted();
  return r.rows.map((negId, i) => [s.keys.keyOf(-negId), -r.scores[i]!]);
}
