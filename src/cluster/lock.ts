/**
 * Jubatus's ZooKeeper mutex (framework spec §3.1), non-blocking: a holder is an
 * ephemeral-sequential child `wlock_<seq10>` or `rlock_<seq10>` of the lock directory, and the
 * lowest sequence numbers win. Ephemeral nodes make a crashed holder release by itself when its
 * session ends. The layout is shared with Jubatus processes, so juba and jubaconfig/jubaX
 * exclude each other.
 */
import { JubaError } from '../errors.js';
import { isNoNode } from './zk-errors.js';
import type { Coordination } from './zk.js';

export type LockKind = 'write' | 'read';

export interface LockHandle {
  readonly kind: LockKind;
  /** Full path of our sequential node, e.g. `…/config_lock/rlock_0000000003`. */
  readonly path: string;
  /** Deletes our node; calling it again does nothing. */
  release(): Promise<void>;
}

const PREFIX: Record<LockKind, string> = { write: 'wlock_', read: 'rlock_' };

/** The sequence number ZooKeeper appended, or null for a child that is not a lock entry. */
function sequenceOf(child: string): number | null {
  const m = /^(?:wlock|rlock)_(-?\d+)$/.exec(child);
  return m ? Number(m[1]) : null;
}

/** Whether an earlier `child` keeps a lock of `kind` from being granted. */
function blocks(kind: LockKind, child: string): boolean {
  return kind === 'write' ? true : child.startsWith(PREFIX.write);
}

async function tryLock(zk: Coordination, lockDir: string, kind: LockKind): Promise<LockHandle | null> {
  let own: string;
  try {
    own = await zk.create(`${lockDir}/${PREFIX[kind]}`, '', 'ephemeral_sequential');
  } catch (e) {
    if (!isNoNode(e)) throw e;
    throw new JubaError(`lock node does not exist: ${lockDir}`, {
      hint: 'it is created when a server or `juba config write` prepares the cluster; check the type and name',
      cause: e,
    });
  }
  const ownName = own.slice(own.lastIndexOf('/') + 1);
  const ownSeq = sequenceOf(ownName)!;
  let children: string[];
  try {
    children = await zk.getChildren(lockDir);
  } catch (e) {
    await zk.remove(own).catch(() => undefined);
    throw e;
  }
  const blocked = children.some((c) => {
    const seq = sequenceOf(c);
    return c !== ownName && seq !== null && seq < ownSeq && blocks(kind, c);
  });
  if (blocked) {
    // Non-blocking like Jubatus's try_lock: leaving the node would queue us and block others.
    await zk.remove(own);
    return null;
  }
  let released = false;
  return {
    kind,
    path: own,
    async release() {
      if (released) return;
      released = true;
      await zk.remove(own);
    },
  };
}

/** Exclusive lock: granted iff no earlier entry of either kind exists. */
export function tryWriteLock(zk: Coordination, lockDir: string): Promise<LockHandle | null> {
  return tryLock(zk, lockDir, 'write');
}

/** Shared lock: granted iff no earlier `wlock_` exists (earlier readers do not block). */
export function tryReadLock(zk: Coordination, lockDir: string): Promise<LockHandle | null> {
  return tryLock(zk, lockDir, 'read');
}

/**
 * Calls `fn` up to `tries` times, `delayMs` apart, until it returns non-null; null when every
 * try failed. Errors thrown by `fn` are not retried: they are not contention.
 */
export async function withRetries<T>(fn: () => Promise<T | null>, tries = 3, delayMs = 1000): Promise<T | null> {
  for (let i = 0; i < tries; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, delayMs));
    const v = await fn();
    if (v !== null) return v;
  }
  return null;
}
