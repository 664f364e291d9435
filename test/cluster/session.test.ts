/**
 * The cluster session against a real ZooKeeper that goes away: requests made while it is down
 * settle once the session ends, and a ZooKeeper restart after the session timeout leaves the
 * ephemerals made through the session in place again, under a new session.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterSession } from '../../src/cluster/session.js';
import { Zk } from '../../src/cluster/zk.js';
import { eventually } from '../harness/wait.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

let zk: ZooKeeperInstance;

beforeAll(async () => {
  zk = await startZooKeeper();
}, 60_000);

afterAll(async () => {
  await zk?.destroy();
});

async function ownerOf(path: string): Promise<string | null> {
  const admin = await Zk.connect(zk.hosts, { sessionTimeoutMs: 5000 });
  try {
    const stat = await new Promise<{ ephemeralOwner: Buffer } | undefined>((resolve, reject) =>
      admin.client.exists(path, (e, s) => (e ? reject(e) : resolve(s as unknown as { ephemeralOwner: Buffer }))));
    return stat ? stat.ephemeralOwner.toString('hex') : null;
  } finally {
    await admin.close();
  }
}

describe('the cluster session and a ZooKeeper that goes away', () => {
  it('a request made while ZooKeeper is down fails once the session is closed, instead of hanging', async () => {
    const z = await Zk.connect(zk.hosts, { sessionTimeoutMs: 4000 });
    await zk.stop();
    try {
      await eventually(() => z.connectedServer === '', 'the client to notice', 20_000, 20);
      const pending = z.getChildren('/').then(() => 'answered', (e: Error) => e.message);
      await z.close();
      expect(await pending).toMatch(/SESSION_EXPIRED/);
      await expect(z.exists('/')).rejects.toThrow(/SESSION_EXPIRED/);
    } finally {
      await zk.restart();
    }
  }, 60_000);

  it('a client closed while it reconnects to a server that has not answered yet leaves no socket open', async () => {
    const z = await Zk.connect(zk.hosts, { sessionTimeoutMs: 4000 });
    await zk.stop();
    // Something accepts on ZooKeeper's port but never answers the connect request (a server
    // still starting): the client's socket is open, its session not re-established.
    const accepted: net.Socket[] = [];
    const silent = net.createServer((c) => {
      accepted.push(c);
      c.resume(); // read (and drop) the connect request, so the end of the connection is seen
    });
    await new Promise<void>((r, j) => {
      silent.once('error', j);
      silent.listen(zk.port, '127.0.0.1', r);
    });
    try {
      await eventually(() => accepted.length > 0, 'the client to reconnect', 20_000, 20);
      const peer = accepted.at(-1)!;
      const closed = new Promise<void>((r) => (peer.destroyed ? r() : peer.once('close', () => r())));
      await z.close();
      await closed; // without the fix the library keeps this socket open for good
      expect(z.connectedServer).toBe('');
    } finally {
      for (const c of accepted) c.destroy();
      await new Promise((r) => silent.close(r));
      await zk.restart();
    }
  }, 60_000);

  it('after an outage longer than the session timeout, its ephemerals are back under a new session', async () => {
    const s = await ClusterSession.open({ hosts: zk.hosts, sessionTimeoutMs: 2000, policy: { firstMs: 100, maxMs: 1000 } });
    try {
      await s.mkdirp('/t/nodes');
      await s.create('/t/nodes/me', 'x', 'ephemeral');
      const first = s.sessionId;
      expect(await ownerOf('/t/nodes/me')).toBe(first);
      await zk.stop();
      // Past the session timeout the client gives the session up, whether or not it is told.
      await eventually(() => s.state === 'expired' || s.state === 'reconnecting', 'the session to be given up', 30_000, 20);
      await zk.restart();
      await eventually(() => s.restored && s.renewals === 1, 'a new session with its registrations', 60_000, 50);
      expect(s.sessionId).not.toBe(first);
      expect(await ownerOf('/t/nodes/me')).toBe(s.sessionId);
      expect((await s.getData('/t/nodes/me'))!.toString()).toBe('x');
    } finally {
      await s.close();
    }
  }, 120_000);
});
