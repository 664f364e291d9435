/**
 * The one ZooKeeper session class (src/cluster/session.ts) over the in-memory ZooKeeper: it
 * renews with backoff after an expiry, re-creates the ephemerals made through it after the
 * renew steps, sets its watches again, treats a long disconnect as an expiry, and ends instead
 * of renewing when asked to.
 */
import { describe, expect, it } from 'vitest';
import { backoffDelay, RECONNECT } from '../../src/backoff.js';
import { ClusterSession, type SessionEvent } from '../../src/cluster/session.js';
import { asZk, MemoryEnsemble, type MemoryZk } from '../harness/memory-zk.js';
import { eventually } from '../harness/wait.js';

const until = (ok: () => boolean, what = 'the session to reach the expected state'): Promise<void> => eventually(ok, what, 20_000, 5);
const FAST = { firstMs: 1, maxMs: 4 };

/** A session over `ens` whose connects fail while `failing()` says so; `opened` lists every client. */
async function open(ens: MemoryEnsemble, o: { failing?: () => string | undefined; renew?: boolean; sessionTimeoutMs?: number } = {}) {
  const opened: MemoryZk[] = [];
  const s = await ClusterSession.open({
    hosts: 'memory', sessionTimeoutMs: o.sessionTimeoutMs ?? 10_000, policy: FAST, renew: o.renew,
    connect: async () => {
      const why = opened.length > 0 ? o.failing?.() : undefined;
      if (why) throw new Error(why);
      const z = ens.session();
      opened.push(z);
      return asZk(z);
    },
  });
  const events: SessionEvent[] = [];
  s.on('state', (e: SessionEvent) => events.push(e));
  return { s, opened, events };
}

describe('backoff policy', () => {
  it('doubles from the first wait up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, RECONNECT))).toEqual([500, 1000, 2000, 4000, 8000, 10_000]);
  });
});

describe('ClusterSession', () => {
  it('after an expiry: retries with backoff, runs the renew steps, then re-creates ephemerals in order and re-arms watches', async () => {
    const ens = new MemoryEnsemble();
    let fails = 2;
    const { s, opened, events } = await open(ens, { failing: () => (fails-- > 0 ? `cannot connect zk (${2 - fails})` : undefined) });
    await s.mkdirp('/j/nodes');
    await s.create('/j/cht_a', 'a:1', 'ephemeral');
    await s.create('/j/nodes/a', '', 'ephemeral');
    await s.create('/j/lock_', '', 'ephemeral_sequential'); // not re-created: locks belong to renew steps
    const seen: string[][] = [];
    s.watchChildren('/j/nodes', (c) => seen.push(c));
    const order: string[] = [];
    s.onRenew(async (zk) => {
      order.push(`renew step sees nodes/: ${(await zk.getChildren('/j/nodes')).join(',') || 'none'}`);
    });

    opened[0]!.expire();
    expect(s.restored).toBe(false);
    await until(() => s.restored && s.renewals === 1);
    expect(opened).toHaveLength(2);
    expect(order).toEqual(['renew step sees nodes/: none']);
    expect([...ens.nodes.entries()].filter(([, n]) => n.owner === opened[1]!.id).map(([p]) => p)).toEqual(['/j/cht_a', '/j/nodes/a']);
    expect(ens.nodes.get('/j/cht_a')!.data.toString()).toBe('a:1');
    expect(events.map((e) => `${e.state}${e.attempt ? ` ${e.attempt}` : ''}${e.error ? ` (${e.error})` : ''}${e.renewed ? ' renewed' : ''}`)).toEqual([
      'expired', 'reconnecting 1', 'reconnecting 2 (cannot connect zk (1))', 'reconnecting 3 (cannot connect zk (2))', 'connected renewed',
    ]);
    expect(events.at(-1)!.sessions).toBe(2);
    // The watch follows the new session.
    await s.create('/j/nodes/b', '', 'ephemeral');
    await until(() => seen.at(-1)?.join() === 'a,b', 'the re-armed watch to see b');
    // The old client's late events are not news.
    const n = events.length;
    opened[0]!.emit('disconnected');
    expect(events).toHaveLength(n);
    await s.close();
    expect(events.at(-1)!.state).toBe('closed');
  });

  it('waits out an ephemeral the dead session still holds, and forgets removed ones', async () => {
    const ens = new MemoryEnsemble();
    const { s, opened } = await open(ens);
    await s.mkdirp('/j');
    await s.create('/j/own', '', 'ephemeral');
    await s.create('/j/gone', '', 'ephemeral');
    await s.remove('/j/gone');
    // The client hears of the expiry before the ensemble has dropped the node.
    opened[0]!.closed = true;
    opened[0]!.emit('expired');
    await until(() => s.state === 'reconnecting');
    await new Promise((r) => setTimeout(r, 30));
    expect(s.restored).toBe(false);
    ens.dropSession(opened[0]!.id);
    await until(() => s.restored);
    expect(ens.nodes.get('/j/own')!.owner).toBe(opened.at(-1)!.id);
    expect(ens.nodes.has('/j/gone')).toBe(false);
    await s.close();
  });

  it('a disconnect longer than the session timeout counts as an expiry', async () => {
    const ens = new MemoryEnsemble();
    const { s, opened, events } = await open(ens, { sessionTimeoutMs: 50 });
    // MemoryZk grants 10 s; the granted timeout rules, so shorten it on this client.
    Object.defineProperty(opened[0]!, 'sessionTimeoutMs', { value: 50 });
    await s.mkdirp('/j');
    await s.create('/j/own', '', 'ephemeral');
    opened[0]!.disconnect();
    expect(s.state).toBe('disconnected');
    ens.dropSession(opened[0]!.id); // the ensemble expired it; the client is never told
    await until(() => s.restored && s.renewals === 1);
    expect(events.map((e) => e.state)).toEqual(['disconnected', 'expired', 'reconnecting', 'connected']);
    expect(opened[0]!.closed).toBe(true);
    expect(ens.nodes.get('/j/own')!.owner).toBe(opened[1]!.id);
    await s.close();
  });

  it('a short disconnect keeps the session and sets the watches again; a node deleted meanwhile counts as deleted', async () => {
    const ens = new MemoryEnsemble();
    const { s, opened } = await open(ens);
    await s.mkdirp('/j');
    await s.create('/j/own', '', 'ephemeral');
    let deleted = 0;
    s.watchDeleted('/j/own', () => deleted++);
    opened[0]!.disconnect();
    ens.nodes.delete('/j/own'); // deleted while we were away (no event reached us)
    expect(deleted).toBe(0);
    opened[0]!.reconnect();
    expect(deleted).toBe(1);
    expect(s.renewals).toBe(0);
    expect(s.state).toBe('connected');
    await s.close();
  });

  it('with renew: false a long disconnect is not an expiry; only ZooKeeper ends the session', async () => {
    const ens = new MemoryEnsemble();
    const { s, opened, events } = await open(ens, { renew: false, sessionTimeoutMs: 20 });
    Object.defineProperty(opened[0]!, 'sessionTimeoutMs', { value: 20 });
    opened[0]!.disconnect();
    await new Promise((r) => setTimeout(r, 100));
    expect(s.state).toBe('disconnected');
    opened[0]!.reconnect();
    expect(events.map((e) => e.state)).toEqual(['disconnected', 'connected']);
    await s.close();
  });

  it('with renew: false an expiry ends the session', async () => {
    const ens = new MemoryEnsemble();
    const { s, opened, events } = await open(ens, { renew: false });
    opened[0]!.expire();
    await until(() => s.state === 'closed');
    expect(events.map((e) => e.state)).toEqual(['expired', 'closed']);
    expect(opened).toHaveLength(1);
  });

  it('close() stops a renewal that is waiting to retry', async () => {
    const ens = new MemoryEnsemble();
    let attempts = 0;
    const s = await ClusterSession.open({
      hosts: 'memory', sessionTimeoutMs: 10_000, policy: { firstMs: 60_000, maxMs: 60_000 },
      connect: async () => {
        if (attempts++ === 0) return asZk(ens.session());
        throw new Error('down');
      },
    });
    (s.current as unknown as MemoryZk).expire();
    await until(() => attempts === 2);
    await s.close(); // wakes the 60 s wait
    await new Promise((r) => setTimeout(r, 20));
    expect(attempts).toBe(2);
  });
});
