/**
 * Jubatus's zkmutex semantics (framework spec §3.1) against a real ZooKeeper: sequence order
 * decides, writers exclude everyone, readers exclude only earlier writers, failure leaves no node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryReadLock, tryWriteLock, withRetries } from '../../src/cluster/lock.js';
import { Zk } from '../../src/cluster/zk.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

let zkServer: ZooKeeperInstance;
let a: Zk;
let b: Zk;
let n = 0;

beforeAll(async () => {
  zkServer = await startZooKeeper();
  a = await Zk.connect(zkServer.hosts, { sessionTimeoutMs: 5000 });
  b = await Zk.connect(zkServer.hosts, { sessionTimeoutMs: 5000 });
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await zkServer?.destroy();
});

async function freshDir(): Promise<string> {
  const dir = `/locktest/l${n++}`;
  await a.mkdirp(dir);
  return dir;
}

describe('write lock', () => {
  it('admits one writer; the second fails without leaving its node; release lets it in', async () => {
    const dir = await freshDir();
    const first = await tryWriteLock(a, dir);
    expect(first).not.toBeNull();
    expect(first!.path).toMatch(new RegExp(`^${dir}/wlock_\\d{10}$`));
    expect(await tryWriteLock(b, dir)).toBeNull();
    expect(await a.getChildren(dir)).toEqual([first!.path.split('/').pop()]);
    await first!.release();
    await first!.release(); // idempotent
    expect(await a.getChildren(dir)).toEqual([]);
    const second = await tryWriteLock(b, dir);
    expect(second).not.toBeNull();
    await second!.release();
  });

  it('is blocked by an earlier reader', async () => {
    const dir = await freshDir();
    const reader = await tryReadLock(a, dir);
    expect(reader).not.toBeNull();
    expect(await tryWriteLock(b, dir)).toBeNull();
    await reader!.release();
    const writer = await tryWriteLock(b, dir);
    expect(writer).not.toBeNull();
    await writer!.release();
  });

  it('vanishes with its session, as a crashed holder would', async () => {
    const dir = await freshDir();
    const c = await Zk.connect(zkServer.hosts, { sessionTimeoutMs: 5000 });
    expect(await tryWriteLock(c, dir)).not.toBeNull();
    expect(await tryWriteLock(a, dir)).toBeNull();
    await c.close();
    const w = await tryWriteLock(a, dir);
    expect(w).not.toBeNull();
    await w!.release();
  });
});

describe('read lock', () => {
  it('is not blocked by an earlier reader', async () => {
    const dir = await freshDir();
    const r1 = await tryReadLock(a, dir);
    const r2 = await tryReadLock(b, dir);
    expect(r1).not.toBeNull();
    expect(r2).not.toBeNull();
    expect(r2!.path).toMatch(/\/rlock_\d{10}$/);
    expect((await a.getChildren(dir)).length).toBe(2);
    await r1!.release();
    await r2!.release();
  });

  it('is blocked by an earlier writer, and admitted once it releases', async () => {
    const dir = await freshDir();
    const w = await tryWriteLock(a, dir);
    expect(w).not.toBeNull();
    expect(await tryReadLock(b, dir)).toBeNull();
    expect(await a.getChildren(dir)).toEqual([w!.path.split('/').pop()]);
    await w!.release();
    const r = await tryReadLock(b, dir);
    expect(r).not.toBeNull();
    await r!.release();
  });

  it('ignores a later writer that lost (only smaller sequence numbers count)', async () => {
    const dir = await freshDir();
    const r1 = await tryReadLock(a, dir);
    // A writer arrives after the reader, fails and removes its node; a later reader still gets in.
    expect(await tryWriteLock(b, dir)).toBeNull();
    const r2 = await tryReadLock(b, dir);
    expect(r2).not.toBeNull();
    await r1!.release();
    await r2!.release();
  });

  it('says which node is missing when the lock directory does not exist', async () => {
    await expect(tryReadLock(a, '/locktest/nosuch')).rejects.toThrow('lock node does not exist: /locktest/nosuch');
  });
});

describe('withRetries', () => {
  it('retries null results up to the limit, then gives null', async () => {
    let calls = 0;
    expect(await withRetries(async () => (++calls, null), 3, 1)).toBeNull();
    expect(calls).toBe(3);
    calls = 0;
    expect(await withRetries(async () => (++calls < 2 ? null : 'ok'), 3, 1)).toBe('ok');
    expect(calls).toBe(2);
  });

  it('gets the lock once the holder releases between tries', async () => {
    const dir = await freshDir();
    const w = await tryWriteLock(a, dir);
    let tries = 0;
    const got = await withRetries(async () => {
      if (++tries === 2) await w!.release();
      return tryWriteLock(b, dir);
    }, 3, 10);
    expect(got).not.toBeNull();
    expect(tries).toBe(2);
    await got!.release();
  });
});
