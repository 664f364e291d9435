/**
 * Clustering's pieces on known data: the sampling primitives 1.1.1's seeds go through, k-means,
 * GMM and DBSCAN, the coreset compressor and the compressive storage's carries, and centers
 * reverted to datums (engine spec §13, §2.10).
 */
import { describe, expect, it } from 'vitest';
import { Compressor } from '../../src/engine/clustering/compressor.js';
import { Dbscan } from '../../src/engine/clustering/dbscan.js';
import { Gmm } from '../../src/engine/clustering/gmm.js';
import { KMeans } from '../../src/engine/clustering/kmeans.js';
import { cosineFv, euclidFv, type WeightedPoint } from '../../src/engine/clustering/points.js';
import { DiscreteDistribution, partialSortPrefix } from '../../src/engine/clustering/sampling.js';
import { clusteringFactory } from '../../src/engine/clustering/service.js';
import { CompressiveStorage } from '../../src/engine/clustering/storage.js';
import { emptyDatum } from '../../src/engine/datum.js';

const point = (id: string, x: number, y: number, weight = 1): WeightedPoint => ({
  id, weight, keys: ['x@num', 'y@num'], values: [x, y], original: { stringValues: [], numValues: [['x', x], ['y', y]], binaryValues: [] },
});

/** Three blobs around (0,0), (5,5), (10,0); deterministic offsets within ±0.4. */
function blobs(n: number): WeightedPoint[] {
  const c = [[0, 0], [5, 5], [10, 0]] as const;
  return Array.from({ length: n }, (_, i) => {
    const [cx, cy] = c[i % 3]!;
    return point(`p${i}`, cx + (((i * 37) % 9) - 4) / 10, cy + (((i * 53) % 9) - 4) / 10);
  });
}

const rounded = (fvs: Array<{ values: number[] }>): number[][] => fvs.map((f) => f.values.map((v) => Math.round(v) + 0)).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);

describe('sampling primitives', () => {
  it('partialSortPrefix keeps libstdc++ std::partial_sort\'s order, ties included (vectors from g++ 12)', () => {
    const keys = [3, -1, 2, 2, 0, -1, 5, 2, -1, 0, 4, 2, -1, 3];
    const items = keys.map((_, i) => i);
    expect(partialSortPrefix(keys, items, 1)).toEqual([1]);
    expect(partialSortPrefix(keys, items, 4)).toEqual([5, 1, 12, 8]);
    expect(partialSortPrefix(keys, items, 7)).toEqual([1, 12, 8, 5, 4, 9, 3]);
    expect(partialSortPrefix(keys, items, 10)).toEqual([1, 8, 12, 5, 9, 4, 3, 7, 11, 2]);
    expect(partialSortPrefix(keys, items, 13)).toEqual([5, 8, 12, 1, 4, 9, 3, 7, 11, 2, 13, 0, 10]);
  });

  it('DiscreteDistribution never draws a zero weight and is reproducible from its seed', () => {
    const d1 = new DiscreteDistribution([0, 2, 0, 1, 0], 42);
    const d2 = new DiscreteDistribution([0, 2, 0, 1, 0], 42);
    const draws = Array.from({ length: 200 }, () => d1.next());
    expect(draws.every((i) => i === 1 || i === 3)).toBe(true);
    expect(draws.filter((i) => i === 1).length).toBeGreaterThan(draws.filter((i) => i === 3).length);
    expect(Array.from({ length: 200 }, () => d2.next())).toEqual(draws);
  });

  it('distances as 1.1.1: euclidean over the union of keys, cosine 1 for a zero vector', () => {
    expect(euclidFv({ keys: ['a', 'b'], values: [3, 1] }, { keys: ['b', 'c'], values: [1, 4] })).toBe(5);
    expect(cosineFv({ keys: ['a'], values: [1] }, { keys: [], values: [] })).toBe(1);
    expect(cosineFv({ keys: ['a'], values: [2] }, { keys: ['a'], values: [3] })).toBe(0);
    expect(cosineFv({ keys: ['a'], values: [1] }, { keys: ['b'], values: [1] })).toBe(1);
  });
});

describe('k-means', () => {
  it('finds the three blob centers; members go to their nearest center', () => {
    const km = new KMeans(3, 0, 'euclidean');
    const pts = blobs(90);
    km.batchUpdate(pts);
    expect(rounded(km.getKCenter())).toEqual([[0, 0], [5, 5], [10, 0]]);
    const clusters = km.getClusters(pts);
    expect(clusters.map((c) => c.length).sort()).toEqual([30, 30, 30]);
    const near = km.getNearestCenter({ keys: ['x@num', 'y@num'], values: [9, 1] });
    expect(near.values.map(Math.round)).toEqual([10, 0]);
  });

  it('the same seed gives the same centers; an empty batch forgets them', () => {
    const a = new KMeans(3, 7, 'euclidean');
    const b = new KMeans(3, 7, 'euclidean');
    a.batchUpdate(blobs(60));
    b.batchUpdate(blobs(60));
    expect(a.getKCenter()).toEqual(b.getKCenter());
    a.batchUpdate([]);
    expect(() => a.getKCenter()).toThrow('clustering is not performed yet');
  });

  it('weights pull a center: a heavy point dominates its cluster\'s mean', () => {
    const km = new KMeans(1, 0, 'euclidean');
    km.batchUpdate([point('a', 0, 0, 3), point('b', 4, 0, 1)]);
    expect(km.getKCenter()[0]!.values).toEqual([1, 0]);
  });
});

describe('gmm', () => {
  it('EM finds the blob means and assigns by the largest responsibility', () => {
    const g = new Gmm(3, 0);
    const pts = blobs(90);
    g.batchUpdate(pts);
    expect(rounded(g.getKCenter())).toEqual([[0, 0], [5, 5], [10, 0]]);
    expect(g.getClusters(pts).map((c) => c.length).sort()).toEqual([30, 30, 30]);
    g.batchUpdate([]);
    expect(() => g.getNearestCenter({ keys: [], values: [] })).toThrow('clustering is not performed yet');
  });
});

describe('dbscan', () => {
  it('grows clusters from core points, drops noise and clusters smaller than min_core_point', () => {
    const db = new Dbscan(1, 3, 'euclidean');
    const pts = [...blobs(12), point('far', 50, 50), point('pair1', -30, -30), point('pair2', -30.5, -30)];
    db.batchUpdate(pts);
    const clusters = db.getClusters([]).map((c) => c.map((p) => p.id).sort());
    expect(clusters).toHaveLength(3);
    expect(clusters.flat()).not.toContain('far');
    expect(clusters.flat()).not.toContain('pair1');
    expect(clusters[0]).toEqual(['p0', 'p3', 'p6', 'p9']);
  });

  it('cosine until an empty batch (clear, load) rebuilds it euclidean, as 1.1.1 re-creates the method', () => {
    const db = new Dbscan(0.5, 3, 'cosine');
    const line = [point('a', 1, 0.001), point('b', 2, 0.002), point('c', 3, 0.003)];
    db.batchUpdate(line);
    expect(db.getClusters([]).map((c) => c.map((p) => p.id))).toEqual([['a', 'b', 'c']]);
    db.batchUpdate([]);
    db.batchUpdate(line);
    expect(() => db.getClusters([])).toThrow('clustering is not performed yet');
  });

  it('uses strict < eps', () => {
    const db = new Dbscan(1, 2, 'euclidean');
    db.batchUpdate([point('a', 0, 0), point('b', 1, 0)]);
    expect(() => db.getClusters([])).toThrow('clustering is not performed yet');
  });
});

describe('compressor and compressive storage', () => {
  it('compresses to exactly dstsize weighted points drawn from the source, reproducibly', () => {
    const src = blobs(100);
    const out = new Compressor('kmeans', 0).compress(src, 5, 20);
    expect(out).toHaveLength(20);
    const ids = new Set(src.map((p) => p.id));
    expect(out.every((p) => ids.has(p.id) && p.weight >= 0)).toBe(true);
    expect(new Compressor('kmeans', 0).compress(src, 5, 20)).toEqual(out);
    expect(new Compressor('kmeans', 1).compress(src, 5, 20)).not.toEqual(out);
    // nothing to compress: the source itself
    expect(new Compressor('gmm', 0).compress(src.slice(0, 10), 5, 20)).toEqual(src.slice(0, 10));
  });

  it('carries like a base-bucket_length counter, decaying weights by exp(-forgetting_factor) per carry', () => {
    const params = { bucketSize: 10, bucketLength: 2, compressedBucketSize: 5, bicriteriaBaseSize: 2, forgettingFactor: Math.log(2), forgettingThreshold: 0 };
    const s = new CompressiveStorage('me', params, new Compressor('kmeans', 0));
    const revisions: number[] = [];
    s.onRevision = (all) => revisions.push(all.length);
    blobs(10).forEach((p) => s.add(p));
    expect(s.revision).toBe(1);
    expect(s.buckets.map((b) => b.length)).toEqual([0, 5]);
    blobs(20).slice(10).forEach((p) => s.add(p));
    expect(s.revision).toBe(2);
    expect(s.buckets.map((b) => b.length)).toEqual([0, 0, 5]);
    blobs(30).slice(20).forEach((p) => s.add(p));
    expect(s.buckets.map((b) => b.length)).toEqual([0, 5, 5]);
    expect(revisions).toEqual([5, 5, 10]);
    s.clear();
    expect(s.revision).toBe(0);
    expect(s.buckets).toEqual([[]]);
  });
});

describe('centers reverted to datums (spec §2.10)', () => {
  it('num and str features come back; weights are averaged', () => {
    const e = clusteringFactory.create({
      method: 'kmeans', parameter: { k: 1, seed: 0 }, compressor_method: 'simple', compressor_parameter: { bucket_size: 3 },
      converter: { string_rules: [{ key: '*', type: 'str', sample_weight: 'bin', global_weight: 'bin' }], num_rules: [{ key: '*', type: 'num' }] },
    }, { owner: 'a_1' });
    const d = (tag: string, x: number) => ({ ...emptyDatum(), stringValues: [['tag', tag]] as Array<[string, string]>, numValues: [['x', x]] as Array<[string, number]> });
    e.push([['a', d('red', 1)], ['b', d('red', 3)], ['c', d('blue', 0)]]);
    // the 3rd push re-clustered over the two stored before it
    expect(e.get_k_center()).toEqual([{ stringValues: [['tag', 'red']], numValues: [['x', 2]], binaryValues: [] }]);
  });
});
