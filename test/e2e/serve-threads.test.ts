/**
 * `juba serve -c N`: analysis calls spread over N threads reading one model. Answers (scores
 * and tie order) match a one-thread server fed the same rows, also while updates stream in, and
 * `threadnum` reports the threads really used.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src/client/service-client.js';
import type { Datum } from '../../src/engine/datum.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { killStarted, ROOT, runJuba, startServing } from '../harness/processes.js';
import { rng } from '../harness/random.js';

afterAll(() => killStarted());

const CONFIG = path.join(ROOT, 'config/nearest_neighbor/euclid_lsh.json');
const desc = loadEngineDescriptor('nearest_neighbor');
const client = (port: number) => new ServiceClient(desc, { host: '127.0.0.1', port, timeoutMs: 60_000 });

/** A coarse grid: many equal signatures, so tie order shows. */
function gridDatum(r: () => number): Datum {
  return { stringValues: [], numValues: [['x', Math.floor(r() * 5)], ['y', Math.floor(r() * 5)], ['z', Math.floor(r() * 3)]], binaryValues: [] };
}

async function threadnum(c: ServiceClient): Promise<string> {
  return [...(await c.getStatus()).values()][0]!.get('threadnum')!;
}

/** `conns` connections, each `perConn` calls back to back, all at once; answers in call order. */
async function concurrently(conns: ServiceClient[], perConn: number, call: (c: ServiceClient, i: number) => Promise<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  await Promise.all(conns.map(async (c, ci) => {
    for (let j = 0; j < perConn; j++) {
      const i = ci * perConn + j;
      out[i] = await call(c, i);
    }
  }));
  return out;
}

describe('juba serve -c N', () => {
  it('answers concurrent queries on 3 threads exactly as on 1, while updates stream in', async () => {
    const one = await startServing(['nearest_neighbor', '-f', CONFIG, '-c', '1'], /juba server started/);
    const three = await startServing(['nearest_neighbor', '-f', CONFIG, '-c', '3'], /juba server started/);
    const a = client(one.port);
    const bs = Array.from({ length: 8 }, () => client(three.port));
    try {
      expect(await threadnum(a)).toBe('1');
      expect(await threadnum(bs[0]!)).toBe('3');
      const r = rng(17);
      const rows = Array.from({ length: 30_000 }, () => gridDatum(r));
      await Promise.all([one.port, three.port].map(async (port) => {
        const c = client(port);
        let next = 0;
        await Promise.all(Array.from({ length: 16 }, async () => {
          while (next < rows.length) {
            const i = next++;
            await c.call('set_row', `r${i}`, rows[i]);
          }
        }));
        c.close();
      }));
      const ids = Array.from({ length: 400 }, () => `r${Math.floor(r() * rows.length)}`);
      const datums = Array.from({ length: 400 }, () => gridDatum(r));
      const ask = (c: ServiceClient, i: number) => (i % 2 === 0
        ? c.call('similar_row_from_id', ids[i]!, 20)
        : c.call('neighbor_row_from_datum', datums[i]!, 20));
      const expected = await concurrently([a], 400, ask);
      expect(await concurrently(bs, 50, ask)).toEqual(expected);

      // Updates while queries run: each update waits for the reads in flight and the reads
      // after it see it whole, so once both servers hold the same rows they answer alike.
      const moved = Array.from({ length: 2000 }, () => gridDatum(r));
      const updating = (async () => {
        for (let i = 0; i < moved.length; i++) await bs[i % 8]!.call('set_row', `r${i}`, moved[i]);
      })();
      const during = await concurrently(bs, 50, (c, i) => c.call('similar_row_from_id', ids[i]!, 5));
      await updating;
      expect(during.every((d) => Array.isArray(d) && d.length === 5)).toBe(true);
      for (let i = 0; i < moved.length; i++) await a.call('set_row', `r${i}`, moved[i]);
      const after = await concurrently([a], 400, ask);
      expect(await concurrently(bs, 50, ask)).toEqual(after);
      const status = [...(await bs[0]!.getStatus()).values()][0]!;
      expect(Number(status.get('analysis_count'))).toBeGreaterThanOrEqual(1200);
      // Some of them ran on the worker threads (the lone first calls ran on the main one).
      expect(Number(status.get('analysis_on_workers'))).toBeGreaterThan(0);
    } finally {
      a.close();
      for (const b of bs) b.close();
      expect(await one.p.stop()).toBe(0);
      expect(await three.p.stop()).toBe(0);
    }
  });

  it('reports one thread, with a warning, for an engine that analyses on the main thread only', async () => {
    const s = await startServing(['classifier', '-f', path.join(ROOT, 'config/classifier/default.json'), '-c', '4'], /juba server started/);
    const c = new ServiceClient(loadEngineDescriptor('classifier'), { host: '127.0.0.1', port: s.port, timeoutMs: 10_000 });
    try {
      expect(await threadnum(c)).toBe('1');
      expect(s.p.stderr()).toMatch(/classifier runs its analysis calls on the main thread: -c 4 has no effect/);
    } finally {
      c.close();
      expect(await s.p.stop()).toBe(0);
    }
  });

  it('refuses -c 0 and a non-number, naming the flag', async () => {
    for (const bad of ['0', 'two']) {
      const p = runJuba(['serve', 'nearest_neighbor', '-f', CONFIG, '-c', bad]);
      expect(await p.exited).toBe(2);
      expect(p.stderr()).toMatch(/--thread/);
    }
  });
});
