import { describe, expect, it, vi } from 'vitest';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { ARGUMENT_ERROR, RpcConnectError, RpcError } from '../../src/rpc/errors.js';
import { amqpUrlFor } from '../../src/stream/amqp-input.js';
import { createMapper, Feed, PoisonMessage } from '../../src/stream/feed.js';
import { Pacer } from '../../src/stream/pacer.js';
import { clusterCentre, SeededRandom, SENSOR_CLUSTERS, SensorSource } from '../../src/stream/sensor-source.js';

const nn = loadEngineDescriptor('nearest_neighbor');

describe('createMapper', () => {
  const map = createMapper(nn, 'set_row');

  it('maps the hands-on message [id, {x…}] to set_row(id, datum)', () => {
    const args = map('["7", {"x": 1.5, "gp": "010"}]');
    expect(args).toEqual(['7', { stringValues: [['gp', '010']], numValues: [['x', 1.5]], binaryValues: [] }]);
  });

  it('takes an object keyed by parameter name', () => {
    expect(map('{"id": "a", "d": {"y": 2}}')).toEqual(['a', { stringValues: [], numValues: [['y', 2]], binaryValues: [] }]);
  });

  it.each([
    ['not json', /not JSON/],
    ['["a"]', /set_row takes 2 argument/],
    ['{"id": "a"}', /missing d for set_row/],
    ['42', /expected a JSON array or object/],
    ['[1, {"x": 1}]', /argument 1 'id' of set_row must be string/],
  ])('poison %s', (body, why) => {
    expect(() => map(body)).toThrow(PoisonMessage);
    expect(() => map(body)).toThrow(why);
  });

  it('rejects an unknown method with the list of methods', () => {
    expect(() => createMapper(nn, 'set_rows')).toThrow(/nearest_neighbor has no method set_rows/);
  });
});

describe('Feed', () => {
  const map = (b: string): unknown[] => JSON.parse(b) as unknown[];
  const noSleep = async (): Promise<void> => undefined;

  it('reports applied only after the call resolved', async () => {
    let resolveCall!: () => void;
    const feed = new Feed({ map, apply: () => new Promise<void>((r) => (resolveCall = r)), retryForMs: 0 });
    let settled = false;
    const p = feed.process('["a"]').then((o) => { settled = true; return o; });
    await new Promise((r) => setTimeout(r, 10));
    expect(settled).toBe(false);
    expect(feed.stats.inFlight).toBe(1);
    resolveCall();
    expect(await p).toEqual({ kind: 'applied' });
    expect(feed.stats).toMatchObject({ received: 1, applied: 1, inFlight: 0 });
  });

  it('retries transport failures until the cluster answers', async () => {
    let calls = 0;
    const feed = new Feed({
      map,
      apply: async () => {
        if (++calls < 4) throw new RpcConnectError('127.0.0.1:1', 'ECONNREFUSED');
      },
      retryForMs: 0,
      sleep: noSleep,
    });
    expect(await feed.process('[1]')).toEqual({ kind: 'applied' });
    expect(calls).toBe(4);
    expect(feed.stats.retries).toBe(3);
    expect(feed.stats.failing).toBeNull();
  });

  it('dead-letters argument errors at once and bad JSON without calling', async () => {
    let calls = 0;
    const feed = new Feed({
      map: (b) => { if (b === 'bad') throw new PoisonMessage('not JSON'); return []; },
      apply: async () => { calls++; throw new RpcError('argument error in set_row: type mismatch', ARGUMENT_ERROR); },
      retryForMs: 0,
      sleep: noSleep,
    });
    expect(await feed.process('bad')).toEqual({ kind: 'dead', reason: 'not JSON' });
    expect(calls).toBe(0);
    const o = await feed.process('[]');
    expect(o.kind).toBe('dead');
    expect(calls).toBe(1);
    expect(feed.stats.deadLettered).toBe(2);
  });

  it('gives up after --retry-for with the last error as the reason', async () => {
    let t = 0;
    const feed = new Feed({
      map,
      apply: async () => { throw new Error('no server found'); },
      retryForMs: 1000,
      now: () => t,
      sleep: async (ms) => { t += ms; },
    });
    const o = await feed.process('[1]');
    expect(o.kind).toBe('dead');
    expect(o.kind === 'dead' && o.reason).toMatch(/gave up after \d+ s of retries: no server found/);
  });

  it('stop() ends a message being retried as stopped (left unacknowledged)', async () => {
    const feed = new Feed({ map, apply: async () => { throw new Error('down'); }, retryForMs: 0, backoffInitialMs: 60_000 });
    const p = feed.process('[1]');
    await new Promise((r) => setTimeout(r, 10));
    feed.stop();
    expect(await p).toEqual({ kind: 'stopped' });
    expect(feed.stats.applied + feed.stats.deadLettered).toBe(0);
  });
});

describe('SensorSource', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new SensorSource({ seed: 5 });
    const b = new SensorSource({ seed: 5 });
    const c = new SensorSource({ seed: 6 });
    const xs = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(xs);
    expect(xs.map(([id]) => id)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });

  it('draws every cluster, each point within a few σ of its centre', () => {
    const s = new SensorSource({ seed: 1, firstId: 100 });
    const seen = new Set<string>();
    let sum = 0;
    const n = 5000;
    for (let i = 0; i < n; i++) {
      const [, d] = s.next();
      seen.add(d.gp);
      const g = Number(d.gp[0]) + 3 * Number(d.gp[1]) + 9 * Number(d.gp[2]);
      const [cx, cy, cz] = clusterCentre(g);
      const dx = d.x - cx;
      sum += dx * dx;
      expect(Math.max(Math.abs(dx), Math.abs(d.y - cy), Math.abs(d.z - cz))).toBeLessThan(0.7);
    }
    expect(seen.size).toBe(SENSOR_CLUSTERS);
    const sigma = Math.sqrt(sum / n);
    expect(sigma).toBeGreaterThan(0.09);
    expect(sigma).toBeLessThan(0.11);
  });

  it('SeededRandom is uniform enough in [0,1)', () => {
    const r = new SeededRandom(42);
    let mean = 0;
    for (let i = 0; i < 10_000; i++) {
      const v = r.next();
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
      mean += v;
    }
    expect(mean / 10_000).toBeCloseTo(0.5, 1);
  });
});

describe('Pacer', () => {
  it('makes the n-th event due n/rate seconds after the start, and does not wait at rate 0', async () => {
    vi.useFakeTimers();
    try {
      const pacer = new Pacer(4);
      let done = 0;
      const run = (async () => { for (let i = 0; i < 4; i++) { await pacer.next(); done++; } })();
      await vi.advanceTimersByTimeAsync(249);
      expect(done).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(done).toBe(1);
      await vi.advanceTimersByTimeAsync(750);
      expect(done).toBe(4);
      await run;
      const free = new Pacer(0);
      for (let i = 0; i < 1000; i++) await free.next();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('amqpUrlFor', () => {
  const env = { JUBA_AMQP: 'amqp://env' };
  it('takes --amqp, else $JUBA_AMQP only when a queue is named', () => {
    expect(amqpUrlFor('amqp://flag', 'q', env)).toBe('amqp://flag');
    expect(amqpUrlFor(undefined, 'q', env)).toBe('amqp://env');
    // An exported $JUBA_AMQP does not turn `juba source | juba feed` into a queue command.
    expect(amqpUrlFor(undefined, undefined, env)).toBeUndefined();
  });
  it('refuses a broker without a queue and a queue without a broker', () => {
    expect(() => amqpUrlFor('amqp://flag', undefined, env)).toThrow('--amqp needs --queue NAME');
    expect(() => amqpUrlFor(undefined, 'q', {})).toThrow('--queue needs --amqp URL (or $JUBA_AMQP)');
  });
});
