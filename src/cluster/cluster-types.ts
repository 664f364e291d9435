/**
 * Which engine type a cluster name belongs to, read from Jubatus's ZooKeeper layout: a cluster
 * exists as `/jubatus/config/<type>/<name>` (its config) and/or `/jubatus/actors/<type>/<name>`
 * (its servers). Operators then only type `-n NAME`, as the design card's `juba ctl status -n
 * sensor_nn` does.
 */
import { JubaError } from '../errors.js';
import * as P from './paths.js';
import type { Coordination } from './zk.js';

export interface ClusterRef {
  type: string;
  name: string;
}

/** Every cluster in ZooKeeper (configured or with servers), sorted by type then name. */
export async function allClusters(zk: Coordination): Promise<ClusterRef[]> {
  const types = new Set([...(await zk.getChildren(P.CONFIGS)), ...(await zk.getChildren(P.ACTORS))]);
  const out: ClusterRef[] = [];
  for (const type of [...types].sort()) {
    const names = new Set([...(await zk.getChildren(P.configsOf(type))), ...(await zk.getChildren(P.actorsOf(type)))]);
    for (const name of [...names].sort()) out.push({ type, name });
  }
  return out;
}

/** The types under which `name` exists. */
export async function typesOfCluster(zk: Coordination, name: string): Promise<string[]> {
  const types = new Set([...(await zk.getChildren(P.CONFIGS)), ...(await zk.getChildren(P.ACTORS))]);
  const found: string[] = [];
  for (const type of [...types].sort()) {
    if ((await zk.exists(P.config(type, name))) || (await zk.exists(P.actor(type, name)))) found.push(type);
  }
  return found;
}

/** The one type of cluster `name`; an error that says what to do when there is none or several. */
export async function clusterType(zk: Coordination, name: string): Promise<string> {
  const types = await typesOfCluster(zk, name);
  if (types.length === 1) return types[0]!;
  if (types.length === 0) {
    throw new JubaError(`no cluster named ${name} in ZooKeeper (no config and no servers under any engine type)`, {
      code: 'not_found',
      hint: `check the name with \`juba config list\`, or write its config: juba config write -t TYPE -n ${name} -f config.json`,
    });
  }
  throw new JubaError(`cluster name ${name} exists under several engine types: ${types.join(', ')}`, {
    code: 'usage',
    hint: `pass -t with one of them, e.g. -t ${types[0]}`,
  });
}

/** The only cluster in ZooKeeper, for commands run without -n; an error listing them otherwise. */
export async function onlyCluster(zk: Coordination): Promise<ClusterRef> {
  const all = await allClusters(zk);
  if (all.length === 1) return all[0]!;
  if (all.length === 0) {
    throw new JubaError('no cluster in ZooKeeper yet', { code: 'not_found', hint: 'write a config (juba config write) and start servers (juba serve -z -n)' });
  }
  throw new JubaError(`${all.length} clusters in ZooKeeper: ${all.map((c) => `${c.type}/${c.name}`).join(', ')}`, {
    code: 'usage',
    hint: 'pick one with -n NAME (and -t TYPE when a name is used by two types)',
  });
}
