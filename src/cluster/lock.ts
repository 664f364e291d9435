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

/**
 * Lock nodes of a live session that nobody holds ("ghosts"): a create whose answer was lost
 * with the connection may have made one, and a release that failed while disconnected leaves
 * one. The session survives a short outage, so a ghost would block every later lock of its
 * directory for good (a stalled MIX). Per session: the nodes our handles hold, and the lock
 * directories that may hold a ghost of ours, swept before the next lock there.
 */
interface SessionLocks {
  held: Set<string>;
  suspect: Set<string>;
}
const locksOf = new WeakMap<Coordination, SessionLocks>();

function sessionLocks(zk: Coordination): SessionLocks {
  let l = locksOf.get(zk);
  if (!l) locksOf.set(zk, (l = { held: new Set(), suspect: new Set() }));
  return l;
}

/** Removes our session's lock nodes in `lockDir` that no handle holds. */
async function sweepGhosts(zk: Coordination, lockDir: string, l: SessionLocks): Promise<void> {
  const me = zk.sessionId;
  for (const child of await zk.getChildren(lockDir)) {
    const path = `${lockDir}/${child}`;
    if (sequenceOf(child) === null || l.held.has(path)) continue;
    if ((await zk.ownerOf(path)) === me) await zk.remove(path);
  }
  l.suspect.delete(lockDir);
}

async function tryLock(zk: Coordination, lockDir: string, kind: LockKind): Promise<LockHandle | null> {
  const l = sessionLocks(zk);
  if (l.suspect.has(lockDir)) await sweepGhosts(zk, lockDir, l);
  let own: string;
  try {
    own = await zk.create(`${lockDir}/${PREFIX[kind]}`, '', 'ephemeral_sequential');
  } catch (e) {
    if (!isNoNode(e)) {
      // The node may exist although the answer was lost.
      l.suspect.add(lockDir);
      throw e;
    }
    throw new JubaError(`lock node does not exist: ${lockDir}`, {
      hint: 'it is created when a server or `juba config write` prepares the cluster; check the type and name',
      cause: e,
    });
  }
  const ownName = own.slice(own.lastIndexOf('/') + 1);
  const ownSeq = sequenceOf(ownName)!;
  const drop = async (): Promise<void> => {
    l.held.delete(own);
    await zk.remove(own).catch((e: unknown) => {
      l.suspect.add(lockDir);
      throw e;
    });
  };
  l.held.add(own);
  let children: string[];
  try {
    children = await zk.getChildren(lockDir);
  } catch (e) {
    await drop().catch(() => undefined);
    throw e;
  }
  const blocked = children.some((c) => {
    const seq = sequenceOf(c);
    return c !== ownName && seq !== null && seq < ownSeq && blocks(kind, c);
  });
  if (blocked) {
    // Non-blocking like Jubatus's try_lock: leaving the node would queue us and block others.
    await drop();
    return null;
  }
  let released = false;
  return {
    kind,
    path: own,
    async release() {
      if (released) return;
      released = true;
      await drop();
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
