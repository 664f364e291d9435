/**
 * Where `juba call` and `juba bench` send their calls: a host:port given by the user, or what
 * ZooKeeper knows for an engine (a registered proxy first, else an active member of the cluster,
 * which answers for its own share of the model only); and how a failed call reads, with the
 * exit code of its kind.
 */
import { listActives, listNodes, listProxies } from '../cluster/membership.js';
import * as P from '../cluster/paths.js';
import { JubaError } from '../errors.js';
import { ARGUMENT_ERROR, NO_METHOD_ERROR, RpcError, RpcTimeoutError, RpcTransportError } from '../rpc/errors.js';

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

/** A failed call as a JubaError: unreachable for transport failures, else what the server said. */
export function callError(e: unknown, method: string, target: CallTarget): unknown {
  const where = `${target.host}:${target.port}`;
  if (e instanceof RpcTransportError) {
    return new JubaError(`${method}: ${e.message}`, {
      code: 'unreachable',
      hint: e instanceof RpcTimeoutError
        ? 'the server is busy or stuck: retry with a larger --timeout'
        : `is a server or proxy running at ${where}? pick another with -s host:port or -z ZK`,
    });
  }
  if (!(e instanceof RpcError)) return e;
  if (e.error === NO_METHOD_ERROR) {
    return new JubaError(`${where} does not answer ${method} (${e.message})`, {
      code: 'not_found',
      hint: 'do_mix exists only on distributed servers, get_proxy_status only on proxies; is -t the engine running there?',
    });
  }
  if (e.error === ARGUMENT_ERROR) {
    return new JubaError(`${where} rejected the arguments of ${method}: ${e.message}`, {
      code: 'usage',
      hint: 'is -t (or --idl) the service running there?',
    });
  }
  return new JubaError(`${method} failed on ${where}: ${e.message}`, { code: 'failed' });
}
