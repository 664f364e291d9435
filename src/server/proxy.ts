/**
 * The proxy (`jubaX_proxy`, framework spec §5): one process serves every cluster of one engine
 * type. Each call's first param names the cluster; the method's IDL routing picks servers from
 * ZooKeeper (cached, watch-driven), the call is forwarded as the declared tuple, and the
 * replies are folded by the method's aggregator. Nothing here is per-method: the descriptor
 * drives it all, and no engine is ever loaded.
 */
import { prepareJubatus, registerProxy } from '../cluster/membership.js';
import * as P from '../cluster/paths.js';
import { ClusterSession } from '../cluster/session.js';
import { routeCall } from '../cluster/routing.js';
import { ArgumentError, JubaError } from '../errors.js';
import { aggregate } from '../idl/aggregators.js';
import { GET_PROXY_STATUS, SERVER_BUILTINS } from '../idl/builtins.js';
import { decodeValue, defaultValue, encodeValue, typeToString } from '../idl/codec.js';
import type { IdlType, MethodDecl, ServiceDescriptor } from '../idl/types.js';
import type { Logger } from '../logger.js';
import type { MsgValue } from '../msgpack/reader.js';
import { MsgWriter } from '../msgpack/writer.js';
import { RpcServer, type RpcMethod, type RpcObserver } from '../rpc/server.js';
import { VERSION_STRING } from './model-file.js';
import { advertisedAddress, bindAddress, type ProxyOptions } from './options.js';
import { epochSeconds, memoryKb, userName } from './process-stats.js';
import { MemberCache } from './proxy-members.js';
import { ServerPool, fanOut } from './proxy-forward.js';

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
  readonly eth: string;
  port: number;
  private readonly startTime = epochSeconds();
  private requestCount = 0;
  private forwardCount = 0;
  private readonly methods = new Map<string, RpcMethod>();
  private readonly members: MemberCache;
  private readonly pool: ServerPool;
  private readonly sweeper: NodeJS.Timeout;
  private rpc?: RpcServer;
  private closing = false;
  private hooks?: ProxyHooks;

  constructor(
    private readonly args: StartProxyArgs,
    private readonly session: ClusterSession,
  ) {
    const o = args.options;
    this.eth = advertisedAddress(o);
    this.port = o.rpcPort;
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
    return P.ipPort(this.eth, this.port);
  }

  get zk(): ClusterSession {
    return this.session;
  }

  async listen(): Promise<void> {
    const o = this.args.options;
    this.rpc = new RpcServer({
      timeoutSec: o.timeout,
      maxFrameBytes: o.maxFrameBytes,
      logger: this.args.logger,
      lookup: (name) => this.methods.get(name),
      observe: this.hooks?.request,
    });
    this.port = await this.rpc.listen(o.rpcPort, bindAddress(o));
  }

  instrument(hooks: ProxyHooks): void {
    this.hooks = hooks;
    if (this.rpc) this.rpc.observe = hooks.request;
  }

  memberCounts(): Iterable<[string, number]> {
    return this.members.memberCounts();
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.sweeper);
    await this.rpc?.close();
    this.members.close();
    this.pool.close();
    await this.session.close();
  }

  private registerMethods(): void {
    const desc = this.args.descriptor;
    for (const m of desc.methods.values()) {
      // Internal methods are server-to-server; void ones have nothing to aggregate (spec §5.2).
      if (m.routing.kind !== 'internal' && m.returnType !== null) this.methods.set(m.name, this.forwarded(m, m.returnType));
    }
    for (const m of SERVER_BUILTINS) this.methods.set(m.name, this.forwarded(m, m.returnType!));
    const statusType = GET_PROXY_STATUS.returnType!;
    this.methods.set(GET_PROXY_STATUS.name, {
      call: () => {
        this.requestCount++;
        return this.status();
      },
      encodeResult: (w, r) => encodeValue(desc, statusType, r, w),
    });
  }

  private forwarded(m: MethodDecl, returnType: IdlType): RpcMethod {
    const desc = this.args.descriptor;
    const arity = m.params.length + 1;
    const what = m.params.map((p, i) => `${m.name}: param ${i + 2} (${p.name}: ${typeToString(p.type)})`);
    const decodeReply = (v: MsgValue): unknown => decodeValue(desc, returnType, v, `${m.name}: result`);
    return {
      call: (params: MsgValue[]) => {
        this.requestCount++;
        if (params.length < arity) throw new ArgumentError(`${m.name} takes ${arity} params (cluster name first), got ${params.length}`);
        const name = decodeValue(desc, { kind: 'primitive', name: 'string' }, params[0]!, `${m.name}: param 1 (name: string)`) as string;
        const args = m.params.map((p, i) => decodeValue(desc, p.type, params[i + 1]!, what[i]!));
        return this.forward(m, name, args, decodeReply).then((results) => {
          const out = aggregate(m.aggregator, results);
          return out === undefined ? defaultValue(desc, returnType) : out;
        });
      },
      encodeResult: (w, r) => encodeValue(desc, returnType, r, w),
    };
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

  status(): Map<string, Map<string, string>> {
    const o = this.args.options;
    const now = epochSeconds();
    const s: Record<string, string> = {
      clock_time: String(now),
      start_time: String(this.startTime),
      uptime: String(now - this.startTime),
      ...memoryKb(),
      VERSION: VERSION_STRING,
      PROGNAME: `juba${this.args.engineType}_proxy`,
      pid: String(process.pid),
      user: userName(),
      threadnum: String(o.thread),
      timeout: String(o.timeout),
      logdir: o.logdir,
      log_config: o.logConfig,
      zookeeper: o.zookeeper,
      connected_zookeeper: this.session.connectedServer,
      zookeeper_timeout: String(o.zookeeperTimeout),
      interconnect_timeout: String(o.interconnectTimeout),
      session_pool_expire: String(o.poolExpire),
      session_pool_size: String(o.poolSize),
      request_count: String(this.requestCount),
      forward_count: String(this.forwardCount),
    };
    return new Map([[this.ipPort, new Map(Object.entries(s))]]);
  }
}
