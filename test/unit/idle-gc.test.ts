import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectWhenIdle, fullGc } from '../../src/server/idle-gc.js';

afterEach(() => vi.useRealTimers());

describe('collectWhenIdle', () => {
  it('collects once after a burst has been quiet for the idle time, and again after the next burst only', () => {
    vi.useFakeTimers();
    let calls = 0;
    let collections = 0;
    const stop = collectWhenIdle(() => calls, 1000, () => collections++);
    vi.advanceTimersByTime(5000);
    expect(collections).toBe(0); // never busy: nothing to give back
    for (let t = 0; t < 3000; t += 100) {
      calls += 10;
      vi.advanceTimersByTime(100);
    }
    expect(collections).toBe(0); // busy all along
    vi.advanceTimersByTime(1500);
    expect(collections).toBe(2); // one idle collection (two passes)
    vi.advanceTimersByTime(10_000);
    expect(collections).toBe(2);
    calls++;
    vi.advanceTimersByTime(2000);
    expect(collections).toBe(4);
    stop();
    calls++;
    vi.advanceTimersByTime(5000);
    expect(collections).toBe(4);
  });

  it("runs V8's full collection, made available at run time", () => {
    const gc = fullGc();
    expect(gc).toBeTypeOf('function');
    let garbage: object[] | null = Array.from({ length: 300_000 }, (_, i) => ({ i, s: `row ${i}` }));
    const full = process.memoryUsage().heapUsed;
    expect(garbage.length).toBe(300_000);
    garbage = null;
    gc!();
    expect(process.memoryUsage().heapUsed).toBeLessThan(full - 10 * 1024 * 1024);
  });
});
