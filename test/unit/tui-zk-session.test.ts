import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Zk } from '../../src/cluster/zk.js';
import { backoffDelay, ZkSession, type SessionEvent } from '../../src/tui/zk-session.js';
import { eventually } from '../harness/wait.js';

/** Stands in for a Zk: the session only uses its events, connectedServer and close(). */
class FakeZk extends EventEmitter {
  closed = false;
  constructor(readonly connectedServer: string) {
    super();
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
const asZk = (f: FakeZk): Zk => f as unknown as Zk;

const until = (ok: () => boolean): Promise<void> => eventually(ok, 'the session to reach the expected state', 20_000, 5);

describe('top ZooKeeper session', () => {
  it('backs off exponentially up to a cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, 500, 10_000))).toEqual([500, 1000, 2000, 4000, 8000, 10_000]);
  });

  it('opens a new session after expiry, retrying, and hands it to the watchers', async () => {
    const first = new FakeZk('127.0.0.1:2181');
    const second = new FakeZk('127.0.0.1:2182');
    let attempts = 0;
    const s = new ZkSession(asZk(first), {
      backoffMs: 1,
      connect: async () => {
        attempts++;
        if (attempts < 3) throw new Error(`cannot connect zk (${attempts})`);
        return asZk(second);
      },
    });
    const events: SessionEvent[] = [];
    const renewed: Zk[] = [];
    s.onState((e) => events.push(e));
    s.onSession((zk) => renewed.push(zk));
    expect(events).toEqual([{ state: 'connected', server: '127.0.0.1:2181', sessions: 1 }]);
    first.emit('disconnected');
    first.emit('connected');
    first.emit('expired');
    first.emit('disconnected'); // the expired client reports this too, after the expiry
    await until(() => renewed.length === 1);
    expect(first.closed).toBe(true);
    expect(s.current).toBe(asZk(second));
    expect(events.slice(1)).toEqual([
      { state: 'disconnected', server: '', sessions: 1 },
      { state: 'connected', server: '127.0.0.1:2181', sessions: 1 },
      { state: 'expired', server: '', sessions: 1 },
      { state: 'reconnecting', server: '', attempt: 1, error: undefined, sessions: 1 },
      { state: 'reconnecting', server: '', attempt: 2, error: 'cannot connect zk (1)', sessions: 1 },
      { state: 'reconnecting', server: '', attempt: 3, error: 'cannot connect zk (2)', sessions: 1 },
      { state: 'connected', server: '127.0.0.1:2182', sessions: 2 },
    ]);
    // The old client's late events no longer count; the new one's do.
    first.emit('disconnected');
    expect(events).toHaveLength(8);
    second.emit('disconnected');
    expect(events.at(-1)).toEqual({ state: 'disconnected', server: '', sessions: 2 });
    await s.close();
    expect(second.closed).toBe(true);
  });

  it('stops retrying when closed', async () => {
    const first = new FakeZk('127.0.0.1:2181');
    let attempts = 0;
    const s = new ZkSession(asZk(first), {
      backoffMs: 60_000,
      connect: () => {
        attempts++;
        return Promise.reject(new Error('down'));
      },
    });
    first.emit('expired');
    await until(() => attempts === 1);
    await s.close(); // wakes the 60 s backoff
    await new Promise((r) => setTimeout(r, 20));
    expect(attempts).toBe(1);
  });
});
