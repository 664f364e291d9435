/** Flags and checks shared by the commands that talk to a ZooKeeper-coordinated cluster. */
import { Flags } from '@oclif/core';
import { engineFactory } from '../engine/registry.js';
import { clusterType } from '../cluster/cluster-types.js';
import type { Coordination } from '../cluster/zk.js';
import { JubaError } from '../errors.js';

/** -z / --zookeeper_timeout, as jubaconfig and the servers spell them. */
export const zkFlags = {
  zookeeper: Flags.string({ char: 'z', description: 'ZooKeeper hosts host:port[,host:port] (else $JUBA_ZK, then $ZK)' }),
  zookeeper_timeout: Flags.integer({ default: 10, min: 1, description: 'seconds to wait for ZooKeeper (also the session timeout)' }),
};

/** -t / -n, naming one cluster. */
export const clusterFlags = {
  type: Flags.string({ char: 't', description: 'engine type, e.g. classifier (default: the type ZooKeeper knows the cluster by)' }),
  name: Flags.string({ char: 'n', required: true, description: 'cluster name' }),
};

/** Rejects names that would not map to one znode. */
export function checkSegment(what: string, value: string): string {
  if (!value || value.includes('/')) {
    throw new JubaError(`invalid ${what}: ${JSON.stringify(value)}`, {
      code: 'usage',
      hint: `the ${what} becomes one ZooKeeper node name: non-empty, without '/'`,
    });
  }
  return value;
}

/**
 * The type as stored in ZooKeeper. Engines juba serves come back canonical from the registry;
 * other Jubatus types (configs written by jubaconfig for a classifier, say) are kept, minus a
 * `juba` server-name prefix, so juba can still read and delete them.
 */
export function storedType(t: string): string {
  try {
    return engineFactory(t).type;
  } catch {
    return checkSegment('type', t.startsWith('juba') ? t.slice(4) : t);
  }
}

/**
 * ZooKeeper hosts for a command: the -z value, else $JUBA_ZK, else $ZK (jubaconfig's variable).
 * Empty values count as unset.
 */
export function zookeeperHosts(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const hosts = flag || env.JUBA_ZK || env.ZK;
  if (!hosts) {
    throw new JubaError('no ZooKeeper given: pass -z host:port[,host:port] or set JUBA_ZK (or ZK)', {
      code: 'usage',
      hint: 'e.g. juba config list -z 127.0.0.1:2181, or export JUBA_ZK=127.0.0.1:2181',
    });
  }
  return hosts;
}

/** The timeout for each member call made by an operator command, in seconds. */
export const callTimeoutFlag = {
  timeout: Flags.integer({ default: 10, min: 1, description: 'seconds to wait for each server' }),
};

/** -t when given, else the one type ZooKeeper has cluster `name` under. */
export async function resolveType(zk: Coordination, type: string | undefined, name: string): Promise<string> {
  return type ? storedType(type) : clusterType(zk, name);
}
