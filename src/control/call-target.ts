/**
 * Where `juba call` and `juba bench` send their calls: a host:port given by the user, or what
 * ZooKeeper knows for an engine (a registered proxy first, else an active member of the cluster,
 * which answers for its own share of the model only).
 */
import { listActives, listNodes, listProxies } from '../cluster/membership.js';
import * as P from '../cluster/paths.js';
import { JubaError } from '../errors.js';

export interface CallTarget {
  host: string;
  port: number;
  /** How it was chosen, for the line on stderr. */
  via: 'given' | 'default' | 'proxy' | 'member';
}

export const DEFAULT_TARGET = { host: '127.0.0.1', port: 9199 };

/** `host:port`, `:port` or `port` (host 127.0.0.1). */
export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(?:(.*):)?(\d+)$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new JubaError(`invalid server address ${JSON.stringify(text)}`, {
      code: 'usage',
      hint: 'write host:port, e.g. -s 127.0.0.1:9199',
    });
  }
  return { host: m[1] || DEFAULT_TARGET.host, port };
}

/** Prefer a proxy for the engine; else an active member (any listed member) of `name`. */
export async function targetFromZk(hosts: string, timeoutSec: number, type: string, name: string): Promise<CallTarget> {
  // The ZooKeeper client loads only when a call goes through ZooKeeper (-s needs none).
  const { withSession } = await import('../cluster/session.js');
  return withSession(hosts, timeoutSec, async (zk) => {
    const proxies = await listProxies(zk, type).catch(() => []);
    if (proxies.length) return { ...P.parseIpPort(proxies.sort()[0]!), via: 'proxy' as const };
    if (!name) {
      throw new JubaError(`no ${type} proxy is registered in ZooKeeper at ${hosts}`, {
        code: 'not_found',
        hint: `start one (juba serve ${type} --proxy -z ${hosts}), or pass -n NAME to call a server of that cluster directly`,
      });
    }
    const actives = await listActives(zk, type, name).catch(() => []);
    const members = actives.length ? actives : await listNodes(zk, type, name).catch(() => []);
    if (!members.length) {
      throw new JubaError(`no ${type} proxy and no server of cluster ${name} in ZooKeeper at ${hosts}`, {
        code: 'not_found',
        hint: 'check the type and name with `juba ctl status`',
      });
    }
    return { ...P.parseIpPort(members.sort()[0]!), via: 'member' as const };
  });
}
