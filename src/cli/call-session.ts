/**
 * What `juba call` and `juba bench` share: the flags that pick a service (engine or --idl) and a
 * server (-s, -z, or the proxy's default 127.0.0.1:9199).
 */
import { Flags } from '@oclif/core';
import { ServiceClient } from '../client/service-client.js';
import { DEFAULT_TARGET, type CallTarget, parseHostPort, targetFromZk } from '../control/call-target.js';
import { typeOfServer } from '../control/cluster-control.js';
import { JubaError } from '../errors.js';
import { buildDescriptor, loadEngineDescriptor } from '../idl/descriptor.js';
import { loadIdl } from '../idl/parser.js';
import type { ServiceDescriptor } from '../idl/types.js';
import { checkSegment, storedType } from './cluster-flags.js';

export const callFlags = {
  type: Flags.string({ char: 't', description: 'engine type, e.g. classifier (default: the type ZooKeeper has for -n, or the one the server reports; with --idl, the IDL\'s service name)' }),
  name: Flags.string({ char: 'n', default: '', description: 'cluster name (standalone servers ignore it; proxies route by it)' }),
  server: Flags.string({ char: 's', description: 'server or proxy host:port (default 127.0.0.1:9199, the proxy\'s default port)', exclusive: ['zookeeper'] }),
  zookeeper: Flags.string({ char: 'z', description: 'find a proxy (else a member of -n) in this ZooKeeper, host:port[,host:port] (else $JUBA_ZK)' }),
  zookeeper_timeout: Flags.integer({ default: 10, min: 1, description: 'seconds to wait for ZooKeeper' }),
  idl: Flags.string({ description: 'IDL file of a user service, instead of a shipped engine\'s' }),
  timeout: Flags.integer({ default: 10, min: 1, description: 'seconds to wait for each call' }),
};

export interface CallFlagValues {
  type?: string;
  name: string;
  server?: string;
  zookeeper?: string;
  zookeeper_timeout: number;
  idl?: string;
  timeout: number;
}

/** The service descriptor and the type name ZooKeeper knows it by. */
export function serviceFor(f: Pick<CallFlagValues, 'type' | 'idl'>): { type: string; descriptor: ServiceDescriptor } {
  if (f.idl) {
    const idl = loadIdl(f.idl);
    const descriptor = buildDescriptor(idl, idl.services.length > 1 ? f.type : undefined);
    return { type: f.type ? checkSegment('type', f.type) : descriptor.name, descriptor };
  }
  if (!f.type) {
    throw new JubaError('no engine given: pass -t ENGINE (e.g. -t nearest_neighbor) or --idl FILE', { code: 'usage' });
  }
  const type = storedType(f.type);
  return { type, descriptor: loadEngineDescriptor(type) };
}

/**
 * The service as `serviceFor`, but without -t and --idl the type is learnt: from ZooKeeper (the
 * cluster -n, or the only cluster) when -z / $JUBA_ZK is given, else from the server or proxy at
 * -s (or the default port), which reports its type.
 */
export async function resolveService(f: CallFlagValues, env: NodeJS.ProcessEnv = process.env): Promise<{ type: string; descriptor: ServiceDescriptor }> {
  if (f.type || f.idl) return serviceFor(f);
  const hosts = f.server ? undefined : f.zookeeper || env.JUBA_ZK;
  let type: string;
  if (hosts) {
    const [{ withSession }, { clusterType, onlyCluster }] = await Promise.all([import('../cluster/session.js'), import('../cluster/cluster-types.js')]);
    type = await withSession(hosts, f.zookeeper_timeout, async (zk) =>
      f.name ? clusterType(zk, checkSegment('name', f.name)) : (await onlyCluster(zk)).type);
  } else {
    const { host, port } = f.server ? parseHostPort(f.server) : DEFAULT_TARGET;
    type = await typeOfServer(host, port, f.timeout * 1000).catch((e: Error) => {
      throw new JubaError(`no engine given, and ${host}:${port} could not tell its type (${e.message})`, {
        code: 'usage',
        hint: 'pass -t ENGINE (e.g. -t classifier), --idl FILE, or -s host:port of a running server',
      });
    });
  }
  return serviceFor({ type });
}

/** -s, else -z / $JUBA_ZK, else the default proxy port on loopback. */
export async function targetFor(f: CallFlagValues, type: string, env: NodeJS.ProcessEnv = process.env): Promise<CallTarget> {
  if (f.server) return { ...parseHostPort(f.server), via: 'given' };
  const zk = f.zookeeper || env.JUBA_ZK;
  if (zk) return targetFromZk(zk, f.zookeeper_timeout, type, f.name);
  return { ...DEFAULT_TARGET, via: 'default' };
}

export function describeTarget(t: CallTarget): string {
  const where = `${t.host}:${t.port}`;
  return t.via === 'proxy' ? `proxy ${where}` : t.via === 'member' ? `server ${where} (no proxy registered)` : where;
}

export function clientFor(descriptor: ServiceDescriptor, target: CallTarget, f: Pick<CallFlagValues, 'name' | 'timeout'>): ServiceClient {
  return new ServiceClient(descriptor, { host: target.host, port: target.port, name: f.name, timeoutMs: f.timeout * 1000 });
}
