/**
 * The one RPC host of juba's processes: the engine server and the proxy each run on one. It
 * binds the address and port (a taken port is a usage error naming it), keeps the method
 * table, checks and decodes an IDL method's params (wire error 2 when they do not fit), and
 * answers the `get_status` keys every Jubatus process reports. A role adds only what differs:
 * what a method does (run an engine, forward to members) and its own status keys.
 */
import { ipPort } from '../cluster/paths.js';
import { ArgumentError, JubaError } from '../errors.js';
import { decodeValue, encodeValue, typeToString } from '../idl/codec.js';
import type { IdlType, MethodDecl, ServiceDescriptor } from '../idl/types.js';
import type { Logger } from '../logger.js';
import type { MsgValue } from '../msgpack/reader.js';
import { RpcServer, type RpcMethod, type RpcObserver } from '../rpc/server.js';
import { VERSION_STRING } from './model-file.js';
import { advertisedAddress, bindAddress, type HostOptions } from './options.js';
import { epochSeconds, memoryKb, userName } from './process-stats.js';

export interface RpcHostArgs {
  /** Already validated (validateServerOptions / validateProxyOptions). */
  options: HostOptions;
  /** Types the params and results of the IDL methods (idlMethod). */
  descriptor: ServiceDescriptor;
  logger: Logger;
  /** `PROGNAME` in status: `juba<type>` or `juba<type>_proxy`. */
  progName: string;
  /** `threadnum` in status (default: the --thread option). */
  threadnum?: () => number;
}

const CLUSTER_NAME: IdlType = { kind: 'primitive', name: 'string' };

export class RpcHost {
  /** The advertised address: names the process in status, ZooKeeper and model files. */
  readonly eth: string;
  /** The port: the --rpc-port option until listen() binds (then the bound one, e.g. for 0). */
  port: number;
  readonly startTime = epochSeconds();
  private readonly methods = new Map<string, RpcMethod>();
  private rpc?: RpcServer;
  private observer?: RpcObserver;

  constructor(private readonly args: RpcHostArgs) {
    this.eth = advertisedAddress(args.options);
    this.port = args.options.rpcPort;
  }

  /** `<ip>_<port>`: the key of this process in status maps and its znode name. */
  get ipPort(): string {
    return ipPort(this.eth, this.port);
  }

  method(name: string): RpcMethod | undefined {
    return this.methods.get(name);
  }

  /** Adds or replaces the RPC method `name`. */
  addMethod(name: string, m: RpcMethod): void {
    this.methods.set(name, m);
  }

  /**
   * IDL method `m` on the wire: the cluster name and then the declared params are checked and
   * decoded (ArgumentError, wire error 2, when they do not fit; extra params are ignored),
   * `run` gets them, and its result is encoded by the declared return type (nil for void).
   */
  idlMethod(m: MethodDecl, run: (args: unknown[], name: string) => unknown): RpcMethod {
    const desc = this.args.descriptor;
    const arity = m.params.length + 1;
    const nameWhat = `${m.name}: param 1 (name: string)`;
    const what = m.params.map((p, i) => `${m.name}: param ${i + 2} (${p.name}: ${typeToString(p.type)})`);
    const returnType = m.returnType;
    return {
      call: (params: MsgValue[]) => {
        if (params.length < arity) throw new ArgumentError(`${m.name} takes ${arity} params (cluster name first), got ${params.length}`);
        const name = decodeValue(desc, CLUSTER_NAME, params[0]!, nameWhat) as string;
        return run(m.params.map((p, i) => decodeValue(desc, p.type, params[i + 1]!, what[i]!)), name);
      },
      encodeResult: (w, r) => (returnType ? encodeValue(desc, returnType, r, w) : w.nil()),
    };
  }

  /** Reports every answered call (method, outcome, seconds) to `fn`: /metrics sets it. */
  set observe(fn: RpcObserver | undefined) {
    this.observer = fn;
    if (this.rpc) this.rpc.observe = fn;
  }

  /** Binds the address and port; resolves with the bound port. */
  async listen(): Promise<number> {
    const o = this.args.options;
    const rpc = new RpcServer({
      timeoutSec: o.timeout,
      maxFrameBytes: o.maxFrameBytes,
      logger: this.args.logger,
      lookup: (name) => this.methods.get(name),
      observe: this.observer,
    });
    const host = bindAddress(o);
    try {
      this.port = await rpc.listen(o.rpcPort, host);
    } catch (e) {
      throw bindError(e as NodeJS.ErrnoException, o.rpcPort, host);
    }
    this.rpc = rpc;
    return this.port;
  }

  /** Stops accepting and closes every connection. */
  async close(): Promise<void> {
    await this.rpc?.close();
  }

  /**
   * The status map of this process: the keys every Jubatus process reports, then `roleKeys`
   * (a role's key replaces a base key of the same name).
   */
  status(roleKeys: Record<string, string>): Map<string, Map<string, string>> {
    const o = this.args.options;
    const now = epochSeconds();
    const s: Record<string, string> = {
      clock_time: String(now),
      start_time: String(this.startTime),
      uptime: String(now - this.startTime),
      ...memoryKb(),
      timeout: String(o.timeout),
      threadnum: String(this.args.threadnum?.() ?? o.thread),
      logdir: o.logdir,
      log_config: o.logConfig,
      VERSION: VERSION_STRING,
      PROGNAME: this.args.progName,
      pid: String(process.pid),
      user: userName(),
      ...roleKeys,
    };
    return new Map([[this.ipPort, new Map(Object.entries(s))]]);
  }
}

/** A listen failure as a usage error naming the port (every juba process that listens). */
export function bindError(e: NodeJS.ErrnoException, port: number, host: string): JubaError {
  const where = `${host}:${port}`;
  if (e.code === 'EADDRINUSE') {
    return new JubaError(`rpc port ${port} is in use (${where})`, { code: 'usage', hint: 'another process listens there: pick another -p/--rpc-port (0 = any free port)' });
  }
  if (e.code === 'EACCES') return new JubaError(`rpc port ${port} is not allowed (${where})`, { code: 'usage', hint: 'ports below 1024 need privileges: pick another -p/--rpc-port' });
  if (e.code === 'EADDRNOTAVAIL') return new JubaError(`cannot bind ${where}: no such local address`, { code: 'usage', hint: 'pass an address of this host with -b, or an interface with -B' });
  return new JubaError(`cannot listen on ${where}: ${e.message}`, { code: 'failed' });
}
