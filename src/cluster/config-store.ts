/**
 * Cluster configs in ZooKeeper with jubaconfig's semantics (framework spec §3, §3.1, §9.1):
 * `/jubatus/config/<type>/<name>` holds the exact bytes of the config file, and
 * `…/actors/<type>/<name>/config_lock` arbitrates between writers (jubaconfig, `juba config`)
 * and the servers, which hold a read lock for their whole life. Because the layout and the
 * lock protocol are Jubatus's own, juba and Jubatus tools can manage the same cluster.
 */
import { JubaError } from '../errors.js';
import { tryReadLock, tryWriteLock, withRetries, type LockHandle } from './lock.js';
import { prepareJubatus } from './membership.js';
import * as P from './paths.js';
import { isNodeExists, type Coordination } from './zk.js';

export interface StoredConfig {
  type: string;
  name: string;
  /** `/jubatus/config/<type>/<name>` */
  path: string;
  /** The stored text, exactly as written. */
  config: string;
}

/** How hard to try for a lock: Jubatus makes 3 tries, 1 s apart. */
export interface LockRetry {
  tries?: number;
  delayMs?: number;
}

export interface LockedConfig {
  text: string;
  path: string;
  /** The read lock on `config_lock`; a server holds it until it shuts down. */
  lock: LockHandle;
}

function missing(type: string, name: string): JubaError {
  return new JubaError(`config does not exist: ${P.config(type, name)}`, {
    code: 'not_found',
    hint: `store one with: juba config write -t ${type} -n ${name} -f <config.json>`,
  });
}

function runningError(type: string, name: string): JubaError {
  return new JubaError(`any server is running: ${type}, ${name}`, {
    hint: `stop the servers of this cluster first (registered under ${P.nodes(type, name)}), then retry`,
  });
}

/**
 * Runs `fn` holding the write lock on the cluster's config_lock, after checking that no server
 * is registered. Both checks are Jubatus's: servers hold read locks, so a stuck write lock
 * usually means servers are up, and then saying so is more useful than the bare lock failure.
 */
async function underWriteLock<T>(zk: Coordination, type: string, name: string, retry: LockRetry, fn: () => Promise<T>): Promise<T> {
  const lockDir = P.configLock(type, name);
  if (!(await zk.exists(lockDir))) {
    throw new JubaError(`config lock does not exist: ${lockDir}`, {
      hint: 'it should have just been created; check that nothing deletes /jubatus nodes concurrently, then retry',
    });
  }
  const lock = await withRetries(() => tryWriteLock(zk, lockDir), retry.tries ?? 3, retry.delayMs ?? 1000);
  if (!lock) {
    if ((await zk.getChildren(P.nodes(type, name))).length > 0) throw runningError(type, name);
    throw new JubaError('any user is using config?', {
      hint: `another config write/delete or a running server holds ${lockDir}; retry when it is done (a crashed holder's lock vanishes with its ZooKeeper session)`,
    });
  }
  try {
    if ((await zk.getChildren(P.nodes(type, name))).length > 0) throw runningError(type, name);
    return await fn();
  } finally {
    await lock.release();
  }
}

/** Stores `text` (its exact bytes) as the config of cluster `<type>/<name>`; returns the znode path. */
export async function writeConfig(
  zk: Coordination,
  type: string,
  name: string,
  text: string | Uint8Array,
  retry: LockRetry = {},
): Promise<string> {
  await prepareJubatus(zk, type, name);
  const path = P.config(type, name);
  await underWriteLock(zk, type, name, retry, async () => {
    try {
      await zk.create(path, '', 'persistent');
    } catch (e) {
      if (!isNodeExists(e)) throw e;
    }
    await zk.setData(path, Buffer.from(text));
  });
  return path;
}

/** The stored config; JubaError `not_found` when there is none. */
export async function readConfig(zk: Coordination, type: string, name: string): Promise<StoredConfig> {
  const path = P.config(type, name);
  const data = await zk.getData(path);
  if (data === null) throw missing(type, name);
  return { type, name, path, config: data.toString('utf8') };
}

/** Deletes the stored config under the same lock and no-running-servers rules as writing. */
export async function deleteConfig(zk: Coordination, type: string, name: string, retry: LockRetry = {}): Promise<string> {
  const path = P.config(type, name);
  // Checked first so a mistyped name does not leave an empty actor skeleton behind.
  if (!(await zk.exists(path))) throw missing(type, name);
  await prepareJubatus(zk, type, name);
  await underWriteLock(zk, type, name, retry, async () => {
    if (!(await zk.exists(path))) throw missing(type, name);
    await zk.remove(path);
  });
  return path;
}

/** Every `/jubatus/config/<type>/<name>`, sorted by type then name. */
export async function listConfigs(zk: Coordination): Promise<StoredConfig[]> {
  const out: StoredConfig[] = [];
  for (const type of await zk.getChildren(P.CONFIGS)) {
    for (const name of await zk.getChildren(P.configsOf(type))) {
      const path = P.config(type, name);
      const data = await zk.getData(path);
      if (data !== null) out.push({ type, name, path, config: data.toString('utf8') }); // null: deleted meanwhile
    }
  }
  return out;
}

/**
 * What a server does at startup: take the read lock on config_lock (so no one rewrites the
 * config under it), then read the config. The caller owns the lock and releases it at shutdown.
 */
export async function readConfigWithReadLock(
  zk: Coordination,
  type: string,
  name: string,
  retry: LockRetry = {},
): Promise<LockedConfig> {
  const lockDir = P.configLock(type, name);
  await zk.mkdirp(lockDir);
  const lock = await withRetries(() => tryReadLock(zk, lockDir), retry.tries ?? 3, retry.delayMs ?? 1000);
  if (!lock) {
    throw new JubaError('any user is writing config?', {
      hint: `a config write/delete holds ${lockDir}; start the server again when it is done`,
    });
  }
  try {
    const { config, path } = await readConfig(zk, type, name);
    return { text: config, path, lock };
  } catch (e) {
    await lock.release();
    throw e;
  }
}


export interface ConfigView {
  type: string;
  name: string;
  path: string;
  /** The config parsed as JSON; null when the stored text is not JSON. */
  config: unknown;
  /** The stored text, exactly. */
  text: string;
}

export function configView(c: StoredConfig): ConfigView {
  let config: unknown = null;
  try {
    config = JSON.parse(c.config);
  } catch {
    // Someone stored a non-JSON text; `text` still shows it.
  }
  return { type: c.type, name: c.name, path: c.path, config, text: c.config };
}
