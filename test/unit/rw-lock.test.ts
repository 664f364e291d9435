/**
 * The model's reader/writer lock (src/server/rw-lock.ts): paused writes. A MIX member pauses
 * updates from its get_diff to its put_diff; queries must go on meanwhile, the put_diff's own
 * write must get through, and the paused updates run afterwards in arrival order.
 */
import { describe, expect, it } from 'vitest';
import { RwLock } from '../../src/server/rw-lock.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('RwLock paused writes', () => {
  it('holds writes (queued ones too) while reads go on; the pause-ending write passes; the rest follow in order', async () => {
    const lock = new RwLock();
    const order: string[] = [];
    // A reader holds the lock, a writer queues behind it, then the pause starts inside a read.
    let endRead!: () => void;
    const reading = lock.withRead(() => new Promise<void>((r) => (endRead = r)));
    const w1 = lock.withWrite(() => void order.push('w1'));
    const resume = lock.pauseWrites();
    endRead();
    await reading;
    await tick();
    expect(order).toEqual([]); // w1 was queued before the pause: it waits too
    expect(lock.writeFree).toBe(false);
    expect(lock.readFree).toBe(true);
    await lock.withRead(() => void order.push('r1'));
    const w2 = lock.withWrite(() => void order.push('w2'));
    await tick();
    await lock.withWrite(() => void order.push('put_diff'), { duringPause: true });
    await lock.withRead(() => void order.push('r2'));
    expect(order).toEqual(['r1', 'put_diff', 'r2']);
    resume();
    await Promise.all([w1, w2]);
    expect(order).toEqual(['r1', 'put_diff', 'r2', 'w1', 'w2']);
    expect(lock.writeFree).toBe(true);
    resume(); // a second call does nothing
    expect(lock.writeFree).toBe(true);
  });
});
