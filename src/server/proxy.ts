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
import { Zk } from '../cluster/zk.js';
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
  /** The current ZooKeeper session (a new one after an expiry). */
  readonly zk: Zk;
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
  const zk = await connectZk(o);
  try {
    await prepareJubatus(zk, type, '');
  } catch (e) {
    await zk.close();
    throw e;
  }
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

function connectZk(o: ProxyOptions): Promise<Zk> {
  return Zk.connect(o.zookeeper, { sessionTimeoutMs: o.zookeeperTimeout * 1000 });
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
    private session: Zk,
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
    this.watchSession(session);
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

  get zk(): Zk {
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

  private watchSession(zk: Zk): void {
    const log = this.args.logger;
    zk.on('disconnected', () => log.warn({ zookeeper: zk.hosts }, 'ZooKeeper connection lost; reconnecting'));
    zk.on('connected', () => log.debug({ zookeeper: zk.connectedServer }, 'ZooKeeper connected'));
    zk.once('expired', () => void this.renewSession(zk));
  }

  /**
   * Jubatus's proxy exits when its session expires; juba keeps serving instead: a proxy holds
   * no state that an expiry invalidates beyond its registration and its watches.
   */
  private async renewSession(expired: Zk): Promise<void> {
    const log = this.args.logger;
    const type = this.args.engineType;
    log.warn({ zookeeper: expired.hosts }, 'ZooKeeper session expired; opening a new session');
    void expired.close();
    const zk = await this.openSession();
    if (!zk) return;
    this.session = zk;
    this.watchSession(zk);
    this.members.setZk(zk);
    const znode = `${P.proxiesOf(type)}/${this.ipPort}`;
    // Until registered, tools do not see this proxy, but it routes calls all the same.
    for (let attempt = 1; !this.closing && this.session === zk; attempt++) {
      try {
        await registerProxy(zk, type, this.ipPort);
        log.info({ zookeeper: zk.connectedServer, znode }, 'ZooKeeper session renewed; proxy registered again');
        return;
      } catch (e) {
        log.error({ err: (e as Error).message, znode, attempt }, 'cannot register the proxy again; retrying');
        await sleep(1000);
      }
    }
  }

  /** A new session, retried every second until it opens or the proxy closes (then undefined). */
  private async openSession(): Promise<Zk | undefined> {
    for (let attempt = 1; !this.closing; attempt++) {
      try {
        const zk = await connectZk(this.args.options);
        await prepareJubatus(zk, this.args.engineType, '').catch(async (e: unknown) => {
          await zk.close();
          throw e;
        });
        if (!this.closing) return zk;
        await zk.close();
      } catch (e) {
        this.args.logger.error({ err: (e as Error).message, attempt }, 'cannot open a ZooKeeper session; retrying');
        await sleep(1000);
      }
    }
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
