/**
 * nearest_neighbor engine benchmark: the hands-on setup (euclid_lsh, hash_num 64, num_rules
 * `* → num`, three random features x, y, z) driven through the engine's IDL methods, plus the
 * engine-only lsh model on ready feature vectors. Prints one JSON line.
 *
 * Run:   node --expose-gc --import tsx bench/engine-nn.ts
 * (plain `npx tsx bench/engine-nn.ts` works too, but then bytes/row is not measured: it needs
 * global.gc to take stable heap readings.)
 */
import { NearestNeighborModel } from '../src/engine/nearest_neighbor/model.js';
import { ProjectionCache, defaultCacheKeys } from '../src/engine/nearest_neighbor/projection-cache.js';
import { LshSigner } from '../src/engine/nearest_neighbor/signature.js';
import { nearestNeighborFactory, type NearestNeighborEngine } from '../src/engine/nearest_neighbor/service.js';
import { datum, rand } from './random-data.js';

const SIZES = [10_000, 100_000, 1_000_000];
const gc = (globalThis as { gc?: () => void }).gc;

// Heap plus `external` (plain ArrayBuffers: owners, clocks, the id index), plus the shared
// memory where the table keeps signatures and norms for the analysis threads, which Node
// counts in neither.
function memory(shared = 0): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + shared;
}

interface Latency { mean_ms: number; p50_ms: number; p99_ms: number; queries: number }

function latency(n: number, query: (i: number) => unknown): Latency {
  const queries = n <= 10_000 ? 2000 : n <= 100_000 ? 1000 : 100;
  // Start from a clean heap so a collection of set_row garbage does not land inside the timings.
  gc?.();
  for (let i = 0; i < 20; i++) query(i);
  const t = new Float64Array(queries);
  for (let i = 0; i < queries; i++) {
    const t0 = performance.now();
    query(i * 7919);
    t[i] = performance.now() - t0;
  }
  const mean = t.reduce((a, b) => a + b, 0) / queries;
  t.sort();
  const r = (x: number) => Math.round(x * 1e4) / 1e4;
  return { mean_ms: r(mean), p50_ms: r(t[Math.floor(queries * 0.5)]!), p99_ms: r(t[Math.floor(queries * 0.99)]!), queries };
}

function handsOn(): Record<string, unknown> {
  const config = {
    method: 'euclid_lsh',
    parameter: { hash_num: 64 },
    converter: { num_rules: [{ key: '*', type: 'num' }] },
  };
  const ids = Array.from({ length: SIZES[SIZES.length - 1]! }, (_, i) => `row${i}`);
  const base = memory();
  const e = nearestNeighborFactory.create(config, { owner: '127.0.0.1_9199' }) as NearestNeighborEngine;
  const out: Record<string, unknown> = {};
  let done = 0;
  for (const n of SIZES) {
    const t0 = performance.now();
    for (; done < n; done++) e.set_row(ids[done]!, datum());
    const setSec = (performance.now() - t0) / 1000;
    const lat = latency(n, (i) => e.similar_row_from_id(ids[i % n]!, 10));
    const bytes = gc ? (memory(e.model.table.sharedBytes()) - base) / n : null;
    out[String(n)] = {
      set_row_per_s: Math.round((n - (SIZES[SIZES.indexOf(n) - 1] ?? 0)) / setSec),
      similar_row_from_id_10: lat,
      bytes_per_row: bytes === null ? null : Math.round(bytes * 10) / 10,
      column_bytes_per_row: Math.round((e.model.table.columnBytes() / n) * 10) / 10,
    };
  }
  out.scan = e.model.table.scanner ? 'wasm' : 'js';
  const cache = e.model.cache!;
  out.cache = { on: cache.capacity > 0, configured: false, capacity_keys: cache.capacity, cached_keys: cache.size };
  return out;
}

function engineOnlyLsh(): Record<string, unknown> {
  const n = 100_000;
  const m = new NearestNeighborModel({ method: 'lsh', hashNum: 64, threads: 0, cacheSize: 0 }, '');
  const keys = ['x@num', 'y@num', 'z@num'];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) m.setRow(`row${i}`, { keys, values: [rand(), rand() - 0.5, rand() - 0.5] });
  const setSec = (performance.now() - t0) / 1000;
  const fvQuery = { keys, values: [0.5, 0.1, -0.2] };
  return {
    rows: n,
    set_row_per_s: Math.round(n / setSec),
    similar_row_from_id_10: latency(n, (i) => m.similarRowFromId(`row${i % n}`, 10)),
    similar_row_from_fv_10: latency(n, () => m.similarRowFromFv(fvQuery, 10)),
  };
}

/** lsh signing rate with the projection cache off vs the always-on default (results are identical). */
function projectionCache(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const H of [64, 1024]) {
    for (const [label, cap] of [['off', 0], ['default', defaultCacheKeys(H)]] as const) {
      const signer = new LshSigner(H, new ProjectionCache(H, cap));
      const sig = new Uint32Array(H / 32);
      const keys = ['x@num', 'y@num', 'z@num'];
      const n = H === 64 ? 50_000 : 5_000;
      for (let i = 0; i < 500; i++) signer.signInto({ keys, values: [rand(), rand(), rand()] }, sig, 0);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) signer.signInto({ keys, values: [rand(), rand(), rand()] }, sig, 0);
      out[`h${H}_${label}_signs_per_s`] = Math.round(n / ((performance.now() - t0) / 1000));
    }
  }
  return out;
}

const result = {
  bench: 'engine-nn',
  node: process.version,
  gc: Boolean(gc),
  hands_on_euclid_lsh_h64: handsOn(),
  engine_only_lsh_h64: engineOnlyLsh(),
  projection_cache: projectionCache(),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
