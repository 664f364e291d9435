/**
 * What `juba top` watches: one standalone server (`--server host:port`, its type asked from
 * it unless -t) or a cluster found in ZooKeeper through a ClusterSession (-n, else the first
 * cluster of -t, else the only cluster).
 */
import { checkSegment, resolveType, storedType } from '../cli/cluster-flags.js';
import { onlyCluster, type ClusterRef } from '../cluster/cluster-types.js';
import { ClusterSession } from '../cluster/session.js';
import type { Coordination } from '../cluster/zk.js';
import { listClusters, typeOfServer } from '../control/cluster-control.js';
import { JubaError } from '../errors.js';
import type { PollSource } from './poller.js';

export interface TopTarget {
  source: PollSource;
  /** `server host:port` or `zk hosts`, for the header. */
  label: string;
  type: string;
  /** Ends the ZooKeeper session, if any. */
  close(): Promise<void>;
}

export interface TopTargetOptions {
  server?: string;
  /** ZooKeeper hosts (used without --server). */
  zookeeper: string;
  zookeeperTimeoutSec: number;
  type?: string;
  name?: string;
  /** Seconds to wait for a server's answer. */
  timeoutSec: number;
}

export async function openTopTarget(o: TopTargetOptions): Promise<TopTarget> {
  if (o.server) {
    const m = /^(.+):(\d+)$/.exec(o.server);
    if (!m) throw new JubaError(`invalid --server ${JSON.stringify(o.server)}`, { code: 'usage', hint: 'use host:port, e.g. 127.0.0.1:9199' });
    const source: PollSource = { kind: 'server', host: m[1]!, port: Number(m[2]) };
    const type = o.type ? storedType(o.type) : await typeOfServer(source.host, source.port, o.timeoutSec * 1000).catch((e: Error) => {
      throw new JubaError(`cannot ask ${o.server} for its type: ${e.message}`, { code: 'unreachable', hint: 'is a server running there? or pass -t TYPE' });
    });
    return { source, label: `server ${o.server}`, type, close: () => Promise.resolve() };
  }
  const ms = o.zookeeperTimeoutSec * 1000;
  const session = await ClusterSession.open({ hosts: o.zookeeper, sessionTimeoutMs: ms, connectTimeoutMs: ms });
  let cluster: ClusterRef;
  try {
    cluster = await pickCluster(session, o.type, o.name, o.zookeeper);
  } catch (e) {
    await session.close();
    throw e;
  }
  return {
    source: { kind: 'zk', session, type: cluster.type, name: cluster.name },
    label: `zk ${o.zookeeper}`,
    type: cluster.type,
    close: () => session.close(),
  };
}

/** -n (its type from ZooKeeper unless -t), else the first cluster of -t, else the only cluster. */
async function pickCluster(zk: Coordination, type: string | undefined, name: string | undefined, hosts: string): Promise<ClusterRef> {
  if (name) {
    const n = checkSegment('name', name);
    return { type: await resolveType(zk, type, n), name: n };
  }
  if (!type) return onlyCluster(zk);
  const t = storedType(type);
  const first = (await listClusters(zk, t))[0];
  if (!first) throw new JubaError(`no ${t} cluster registered in ${hosts}`, { code: 'not_found', hint: 'pass -n NAME, or -t for another engine type' });
  return { type: t, name: first };
}
