import { describe, expect, it, vi } from 'vitest';
import { StopRequest } from '../../src/cli/stop-request.js';

describe('StopRequest', () => {
  it('resolves with the first reason and ignores later ones', async () => {
    const stop = new StopRequest();
    try {
      stop.request('count reached');
      stop.request('idle');
      expect(await stop.stopped).toBe('count reached');
      expect(stop.reason).toBe('count reached');
    } finally {
      stop.dispose();
    }
  });

  it('stops on SIGTERM, after a time limit or when a condition holds, and dispose removes its handlers', async () => {
    const before = process.listenerCount('SIGTERM');
    const bySignal = new StopRequest();
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    process.emit('SIGTERM', 'SIGTERM');
    expect(await bySignal.stopped).toBe('interrupted');
    bySignal.dispose();
    expect(process.listenerCount('SIGTERM')).toBe(before);

    vi.useFakeTimers();
    try {
      const timed = new StopRequest();
      timed.after(2, 'duration reached');
      timed.after(undefined, 'never');
      let cond = false;
      timed.when(() => cond, 'idle');
      await vi.advanceTimersByTimeAsync(1000);
      expect(timed.reason).toBeUndefined();
      cond = true;
      await vi.advanceTimersByTimeAsync(200);
      expect(timed.reason).toBe('idle');
      timed.dispose();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
