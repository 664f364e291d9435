import { afterEach, describe, expect, it } from 'vitest';
import type { Datum } from '../../src/engine/datum.js';
import type { ParallelAnalysis } from '../../src/engine/engine.js';
import { createReader } from '../../src/engine/nearest_neighbor/scan-reader.js';
import { rankQuery, cosTable } from '../../src/engine/nearest_neighbor/search.js';
import { nearestNeighborFactory, type NearestNeighborEngine } from '../../src/engine/nearest_neighbor/service.js';
import { RowTable } from '../../src/engine/nearest_neighbor/table.js';
import { silentLogger } from '../../src/logger.js';
import { AnalysisThreads } from '../../src/server/analysis-threads.js';
import { rng } from '../harness/random.js';

const METHODS = ['similar_row_from_id', 'neighbor_row_from_id', 'similar_row_from_datum', 'neighbor_row_from_datum'] as const;

/** Points on a coarse grid, so many rows share a signature and ties decide the order. */
function gridDatum(r: () => number): Datum {
  return { stringValues: [], numValues: [['x', Math.floor(r() * 4)], ['y', Math.floor(r() * 4)], ['z', Math.floor(r() * 2) * 0.5]], binaryValues: [] };
}

function engineWith(method: string, rows: number, seed: number): NearestNeighborEngine {
  const e = nearestNeighborFactory.create(
    { method, parameter: { hash_num: 64 }, converter: { num_rules: [{ key: '*', type: 'num' }] } },
    { owner: '127.0.0.1_9199' },
  ) as NearestNeighborEngine;
  const r = rng(seed);
  for (let i = 0; i < rows; i++) e.set_row(`r${i}`, gridDatum(r));
  return e;
}

/** What the engine's own method answers, as the server would call it. */
function direct(e: NearestNeighborEngine, method: (typeof METHODS)[number], args: unknown[]): unknown {
  return (e[method] as (...a: unknown[]) => unknown).apply(e, args);
}

function queries(r: () => number, rows: number, n: number): Array<[(typeof METHODS)[number], unknown[]]> {
  return Array.from({ length: n }, (_, i) => {
    const method = METHODS[i % METHODS.length]!;
    const k = [0, 1, 10, 50][i % 4]!;
    const arg = method.endsWith('_id') ? (i % 9 === 0 ? 'nobody' : `r${Math.floor(r() * rows)}`) : gridDatum(r);
    return [method, [arg, k]];
  });
}

let threads: AnalysisThreads | undefined;
afterEach(async () => {
  await threads?.close();
  threads = undefined;
});

describe('nearest_neighbor on analysis threads', () => {
  it.each(['euclid_lsh', 'lsh', 'minhash'])('%s: begin → reader → end equals the engine method, through growth and clear', (method) => {
    const e = engineWith(method, 3000, 7);
    const par = e.parallelAnalysis();
    const reader = createReader();
    let attached: unknown;
    const viaReader = (m: string, args: unknown[]): unknown => {
      const b = par.begin(m, args);
      if ('result' in b) return b.result;
      const shared = par.shared();
      if (shared !== attached) reader.attach(structuredClone(shared), 1);
      attached = shared;
      return par.end(m, args, reader.run(structuredClone(b.task)));
    };
    const r = rng(11);
    for (const [m, args] of queries(r, 3000, 200)) expect(viaReader(m, args)).toEqual(direct(e, m, args));
    // More rows: the memory grows (norms move to a new buffer), the reader must follow.
    const before = par.shared();
    for (let i = 3000; i < 9000; i++) e.set_row(`r${i}`, gridDatum(r));
    if (method === 'euclid_lsh') expect(par.shared()).not.toBe(before);
    for (const [m, args] of queries(r, 9000, 200)) expect(viaReader(m, args)).toEqual(direct(e, m, args));
    e.clear();
    for (let i = 0; i < 50; i++) e.set_row(`c${i}`, gridDatum(r));
    expect(viaReader('similar_row_from_id', ['c3', 20])).toEqual(e.similar_row_from_id('c3', 20));
  });

  it('a plain-array table (no wasm) is read in place too', () => {
    const t = new RowTable(64, true, 16, false);
    const r = rng(3);
    for (let i = 0; i < 5000; i++) {
      const row = t.slotFor(`r${i}`);
      t.sigs[row * 2] = (r() * 16) >>> 0;
      t.sigs[row * 2 + 1] = (r() * 4) >>> 0;
      t.norms![row] = Math.floor(r() * 3);
      t.stamp(row, 0);
    }
    const reader = createReader();
    reader.attach(structuredClone(t.shared()), 1);
    const cos = cosTable(64);
    for (let i = 0; i < 50; i++) {
      const q = t.sigs.slice(i * 2, i * 2 + 2);
      expect(reader.run({ q, norm: t.norms![i]!, k: 25, size: t.size })).toEqual(rankQuery(t, cos, q, t.norms![i]!, 25));
    }
  });

  it('calls spread over worker threads answer exactly as the engine does', async () => {
    const e = engineWith('euclid_lsh', 20_000, 5);
    const inner = e.parallelAnalysis();
    let remote = 0;
    const par: ParallelAnalysis = { ...inner, has: inner.has, begin: inner.begin, shared: inner.shared, end: (m, a, reply) => (remote++, inner.end(m, a, reply)) };
    threads = new AnalysisThreads(2, silentLogger);
    const r = rng(21);
    for (let round = 0; round < 1000 && remote < 100; round++) {
      const qs = queries(r, 20_000, 8);
      const answers = await Promise.all(qs.map(([m, args]) => threads!.submit(par, m, args, () => direct(e, m, args))));
      qs.forEach(([m, args], i) => expect(answers[i]).toEqual(direct(e, m, args)));
      if (remote === 0) await new Promise((res) => setTimeout(res, 5)); // the threads are starting
    }
    expect(remote).toBeGreaterThanOrEqual(100);
  });
});
