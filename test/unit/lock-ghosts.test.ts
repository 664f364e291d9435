/**
 * Jubatus's ZooKeeper lock across a short outage (src/cluster/lock.ts), on the in-memory
 * ZooKeeper: a session that survives a disconnect must not leave a lock node nobody holds,
 * or every later lock of that directory is refused for as long as the session lives (this is
 * how a cluster's MIX stalled after a ZooKeeper restart).
 */
import { describe, expect, it } from 'vitest';
import { tryReadLock, tryWriteLock } from '../../src/cluster/lock.js';
import { MemoryEnsemble } from '../harness/memory-zk.js';

const DIR = '/jubatus/actors/t/c/master_lock';

async function setup() {
  const ens = new MemoryEnsemble();
  const a = ens.session();
  const b = ens.session();
  await a.mkdirp(DIR);
  return { ens, a, b };
}

describe('lock nodes left by a lost connection', () => {
  it('a release that failed while disconnected is swept before our next lock', async () => {
    const { ens, a, b } = await setup();
    const h = (await tryWriteLock(a, DIR))!;
    a.disconnect();
    await expect(h.release()).rejects.toThrow(/CONNECTION_LOSS/);
    a.reconnect();
    expect(ens.children(DIR)).toHaveLength(1); // the ghost, of a live session
    expect(await tryWriteLock(b, DIR)).toBeNull();
    const again = await tryWriteLock(a, DIR);
    expect(again).not.toBeNull();
    expect(ens.children(DIR)).toEqual([again!.path.slice(DIR.length + 1)]);
    await again!.release();
    const theirs = await tryWriteLock(b, DIR);
    expect(theirs).not.toBeNull();
    await theirs!.release();
  });

  it('a create whose answer was lost is swept before our next lock', async () => {
    const { ens, a, b } = await setup();
    a.loseNextAnswer = true;
    await expect(tryWriteLock(a, DIR)).rejects.toThrow(/CONNECTION_LOSS/);
    expect(ens.children(DIR)).toHaveLength(1);
    const h = await tryWriteLock(a, DIR);
    expect(h).not.toBeNull();
    expect(ens.children(DIR)).toHaveLength(1);
    await h!.release();
    expect(await tryWriteLock(b, DIR)).not.toBeNull();
  });

  it('never removes a lock our session holds, nor one of another session', async () => {
    const { ens, a, b } = await setup();
    const read = (await tryReadLock(a, DIR))!;
    const theirs = (await tryReadLock(b, DIR))!;
    a.loseNextAnswer = true;
    await expect(tryReadLock(a, DIR)).rejects.toThrow(/CONNECTION_LOSS/);
    const second = (await tryReadLock(a, DIR))!;
    const left = ens.children(DIR)!.map((c) => `${DIR}/${c}`).sort();
    expect(left).toEqual([read.path, theirs.path, second.path].sort());
  });
});
