/**
 * Who is in a cluster, as ZooKeeper records it (framework spec §3): the persistent skeleton
 * every actor creates first, each server's ephemeral `nodes/` and `actives/` entries, and the
 * proxies' and visors' registrations.
 */
import * as P from './paths.js';
import { isNodeExists } from './zk-errors.js';
import type { Coordination } from './zk.js';

/** Creates the persistent skeleton (`prepare_jubatus`); `name` '' = only the type-level nodes (proxies). */
export async function prepareJubatus(zk: Coordination, type: string, name: string): Promise<void> {
  for (const p of [P.JUBATUS, P.SUPERVISORS, P.PROXIES, P.ACTORS, P.CONFIGS, P.actorsOf(type), P.configsOf(type)]) {
    await zk.mkdirp(p);
  }
  if (name) {
    await zk.mkdirp(P.actor(type, name));
    await zk.mkdirp(P.configLock(type, name));
  }
}

/** Creates an ephemeral node; fails if it already exists (as Jubatus's ephemeral creation does). */
export async function createEphemeral(zk: Coordination, path: string, data = ''): Promise<void> {
  try {
    await zk.create(path, data, 'ephemeral');
  } catch (e) {
    if (isNodeExists(e)) throw new Error(`${path} already exists: is another process registered as the same ip_port?`);
    throw e;
  }
}

/** Registers a server in `nodes/` (also (re)creating `<name>`, `master_lock`, `nodes`). */
export async function registerNode(zk: Coordination, type: string, name: string, ipPort: string): Promise<string> {
  await zk.mkdirp(P.masterLock(type, name));
  await zk.mkdirp(P.nodes(type, name));
  const path = `${P.nodes(type, name)}/${ipPort}`;
  await createEphemeral(zk, path);
  return path;
}

export async function registerActive(zk: Coordination, type: string, name: string, ipPort: string): Promise<void> {
  await zk.mkdirp(P.actives(type, name));
  try {
    await zk.create(`${P.actives(type, name)}/${ipPort}`, '', 'ephemeral');
  } catch (e) {
    if (!isNodeExists(e)) throw e;
  }
}

export function unregisterActive(zk: Coordination, type: string, name: string, ipPort: string): Promise<void> {
  return zk.remove(`${P.actives(type, name)}/${ipPort}`);
}

export async function registerProxy(zk: Coordination, type: string, ipPort: string): Promise<void> {
  await zk.mkdirp(P.proxiesOf(type));
  await createEphemeral(zk, `${P.proxiesOf(type)}/${ipPort}`);
}

export function listNodes(zk: Coordination, type: string, name: string): Promise<string[]> {
  return zk.getChildren(P.nodes(type, name));
}

export function listActives(zk: Coordination, type: string, name: string): Promise<string[]> {
  return zk.getChildren(P.actives(type, name));
}

export function listProxies(zk: Coordination, type: string): Promise<string[]> {
  return zk.getChildren(P.proxiesOf(type));
}

export function listSupervisors(zk: Coordination): Promise<string[]> {
  return zk.getChildren(P.SUPERVISORS);
}
