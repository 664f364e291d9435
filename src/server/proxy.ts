/**
 * The proxy (`jubaX_proxy`, framework spec §5): one process serves every cluster of one engine
 * type, on the RPC host (rpc-host.ts) that engine servers run on too. Each call's first param
 * names the cluster; the method's IDL routing picks servers from ZooKeeper (cached,
 * watch-driven), the call is forwarded as the declared tuple, and the replies are folded by
 * the method's aggregator. Nothing here is per-method: the descriptor drives it all, and no
 * engine is ever loaded.
 */
import { prepareJubatus, registerProxy } from '../cluster/membership.js';
import * as P from '../cluster/paths.js';
import { ClusterSession } from '../cluster/session.js';
import { routeCall } from '../cluster/routing.js';
import { JubaError } from '../errors.js';
import { aggregate } from '../idl/aggregators.js';
import { GET_PROXY_STATUS, SERVER_BUILTINS } from '../idl/builtins.js';
import { decodeValue, defaultValue, encodeValue } from '../idl/codec.js';
import type { IdlType, MethodDecl, ServiceDescriptor } from '../idl/types.js';
import type { Logger } from '../logger.js';
import type { MsgValue } from '../msgpack/reader.js';
import { MsgWriter } from '../msgpack/writer.js';
import type { RpcMethod, RpcObserver } from '../rpc/server.js';
import type { ProxyOptions } from './options.js';
import { MemberCache } from './proxy-members.js';
import { ServerPool, fanOut } from './proxy-forward.js';
import { RpcHost } from './rpc-host.js';

export interface Proxy {
  /** The bound port. */
  readonly port: number;
  /** `<ip>_<port>`: the proxy's znode name and its status key. */
  readonly ipPort: string;
  /** The proxy's ZooKeeper session. */
  readonly zk: ClusterSession;
  /** What `get_proxy_status` answers. */
  status(): Map<string, Map<string, string>>;
  /** Stops listening, closes pooled connections and the ZooKeeper session. */
  close(): Promise<void>;
  /** Reports requests, forwards and member failures to `hooks` (/metrics). */
  instrument(hooks: ProxyHooks): void;
  /** Each cluster the proxy routes to now, with its member count in `actives/`. */
  memberCounts(): Iterable<[string, number]>;
}

export interface ProxyHooks {
  /** Every answered request, as the RPC server sees it. */
  request: RpcObserver;
  /** A request forwarded to `servers` members. */
  forwarded(method: string, servers: number): void;
  /** A forwarded call to `member` failed. */
  memberFailed(member: string, method: string): void;
}

export interface StartProxyArgs {
  descriptor: ServiceDescriptor;
  /** The engine type: names the proxy's ZooKeeper paths (`/jubatus/actors/<type>/…`). */
  engineType: string;
  options: ProxyOptions;
  logger: Logger;
}

/** How often idle pooled connections and unused member caches are looked at (ms). */
const SWEEP_MS = 1000;

export async function startProxy(args: StartProxyArgs): Promise<Proxy> {
  const { options: o, engineType: type, logger } = args;
  // Jubatus's proxy exits when its session expires; juba's proxy holds nothing an expiry
  // invalidates beyond its registration and watches, which the session restores.
  const zk = await ClusterSession.open({ hosts: o.zookeeper, sessionTimeoutMs: o.zookeeperTimeout * 1000, logger });
  try {
    await prepareJubatus(zk, type, '');
  } catch (e) {
    await zk.close();
    throw e;
  }
  zk.onRenew((fresh) => prepareJubatus(fresh, type, ''));
  const proxy = new ProxyImpl(args, zk);
  try {
    await proxy.listen();
    await registerProxy(zk, type, proxy.ipPort);
  } catch (e) {
    await proxy.close();
    throw e;
  }
  logger.info(
    { engine: type, address: `${proxy.eth}:${proxy.port}`, pid: process.pid, zookeeper: o.zookeeper, znode: `${P.proxiesOf(type)}/${proxy.ipPort}` },
    'juba proxy started',
  );
  return proxy;
}

class ProxyImpl implements Proxy {
  private readonly host: RpcHost;
  private requestCount = 0;
  private forwardCount = 0;
  private readonly members: MemberCache;
  private readonly pool: ServerPool;
  private readonly sweeper: NodeJS.Timeout;
  private closing = false;
  private hooks?: ProxyHooks;

  constructor(
    private readonly args: StartProxyArgs,
    private readonly session: ClusterSession,
  ) {
    const o = args.options;
    this.host = new RpcHost({ options: o, descriptor: args.descriptor, logger: args.logger, progName: `juba${args.engineType}_proxy` });
    this.members = new MemberCache(session, args.engineType, args.descriptor.useCht, args.logger);
    this.pool = new ServerPool({
      expireSec: o.poolExpire,
      size: o.poolSize,
      requestTimeoutMs: o.interconnectTimeout * 1000,
      logger: args.logger,
    });
    this.sweeper = setInterval(() => {
      this.pool.sweep();
      this.members.sweep();
    }, SWEEP_MS).unref();
    this.registerMethods();
  }

  get ipPort(): string {
    return this.host.ipPort;
  }

  get port(): number {
    return this.host.port;
  }

  /** The advertised address. */
  get eth(): string {
    return this.host.eth;
  }

  get zk(): ClusterSession {
    return this.session;
  }

  async listen(): Promise<void> {
    await this.host.listen();
  }

  instrument(hooks: ProxyHooks): void {
    this.hooks = hooks;
    this.host.observe = hooks.request;
  }

  memberCounts(): Iterable<[string, number]> {
    return this.members.memberCounts();
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.sweeper);
    await this.host.close();
    this.members.close();
    this.pool.close();
    await this.session.close();
  }

  private registerMethods(): void {
    const desc = this.args.descriptor;
    for (const m of desc.methods.values()) {
      // Internal methods are server-to-server; void ones have nothing to aggregate (spec §5.2).
      if (m.routing.kind !== 'internal' && m.returnType !== null) this.addCounted(m.name, this.forwarded(m, m.returnType));
    }
    for (const m of SERVER_BUILTINS) this.addCounted(m.name, this.forwarded(m, m.returnType!));
    const statusType = GET_PROXY_STATUS.returnType!;
    this.addCounted(GET_PROXY_STATUS.name, { call: () => this.status(), encodeResult: (w, r) => encodeValue(desc, statusType, r, w) });
  }

  /** Adds `m` to the host; every call of it counts in request_count, arguments that do not decode included. */
  private addCounted(name: string, m: RpcMethod): void {
    this.host.addMethod(name, {
      call: (params) => {
        this.requestCount++;
        return m.call(params);
      },
      encodeResult: m.encodeResult,
    });
  }

  private forwarded(m: MethodDecl, returnType: IdlType): RpcMethod {
    const desc = this.args.descriptor;
    const decodeReply = (v: MsgValue): unknown => decodeValue(desc, returnType, v, `${m.name}: result`);
    return this.host.idlMethod(m, (args, name) =>
      this.forward(m, name, args, decodeReply).then((results) => {
        const out = aggregate(m.aggregator, results);
        return out === undefined ? defaultValue(desc, returnType) : out;
      }));
  }

  private async forward(m: MethodDecl, name: string, args: unknown[], decode: (v: MsgValue) => unknown): Promise<unknown[]> {
    const targets = await this.route(m, name, args);
    if (targets.length === 0) throw new JubaError(`no server found: ${name}`, { code: 'not_found' });
    const w = new MsgWriter(256);
    w.arrayHeader(m.params.length + 1);
    w.str(name);
    m.params.forEach((p, i) => encodeValue(this.args.descriptor, p.type, args[i], w));
    this.forwardCount += targets.length;
    const hooks = this.hooks;
    if (!hooks) return fanOut({ pool: this.pool, targets, method: m.name, params: w.toBytes(), decode, logger: this.args.logger });
    hooks.forwarded(m.name, targets.length);
    return fanOut({
      pool: this.pool, targets, method: m.name, params: w.toBytes(), decode, logger: this.args.logger,
      onTargetFailed: (member) => hooks.memberFailed(member, m.name),
    });
  }

  private async route(m: MethodDecl, name: string, args: unknown[]): Promise<string[]> {
    return routeCall(m.routing, this.members.cluster(name), args);
  }

  /** The host's base keys, then the proxy's own. */
  status(): Map<string, Map<string, string>> {
    const o = this.args.options;
    return this.host.status({
      zookeeper: o.zookeeper,
      connected_zookeeper: this.session.connectedServer,
      zookeeper_timeout: String(o.zookeeperTimeout),
      interconnect_timeout: String(o.interconnectTimeout),
      session_pool_expire: String(o.poolExpire),
      session_pool_size: String(o.poolSize),
      request_count: String(this.requestCount),
      forward_count: String(this.forwardCount),
    });
  }
}
