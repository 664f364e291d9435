/**
 * A client for any Jubatus service, typed by its IDL descriptor: arguments are encoded with
 * their declared types (so `double` goes as float64 and strings as old-spec raw) and results are
 * decoded into the declared return type. Every call sends the cluster name first.
 */
import { JubaError } from '../errors.js';
import { decodeValue, encodeValue } from '../idl/codec.js';
import { DO_MIX, GET_PROXY_STATUS, SERVER_BUILTINS } from '../idl/builtins.js';
import type { MethodDecl, ServiceDescriptor } from '../idl/types.js';
import { RpcClient } from '../rpc/client.js';

export interface ServiceClientOptions {
  host: string;
  port: number;
  /** Cluster name (any string for a standalone server). */
  name?: string;
  timeoutMs?: number;
}

/** Every method a client of `service` can call: the service's own, then the built-ins it lacks. */
export function serviceMethods(service: ServiceDescriptor): MethodDecl[] {
  const builtins = [...SERVER_BUILTINS, DO_MIX, GET_PROXY_STATUS].filter((m) => !service.methods.has(m.name));
  return [...service.methods.values(), ...builtins];
}

export type StatusMap = Map<string, Map<string, string>>;

export class ServiceClient {
  readonly rpc: RpcClient;
  name: string;
  private readonly methods = new Map<string, MethodDecl>();

  constructor(
    readonly service: ServiceDescriptor,
    opts: ServiceClientOptions,
  ) {
    this.rpc = new RpcClient({ host: opts.host, port: opts.port, timeoutMs: opts.timeoutMs });
    this.name = opts.name ?? '';
    for (const m of serviceMethods(service)) this.methods.set(m.name, m);
  }

  method(name: string): MethodDecl {
    const m = this.methods.get(name);
    if (!m) {
      throw new JubaError(`${this.service.name} has no method ${name}`, {
        code: 'usage',
        hint: `methods: ${[...this.methods.keys()].sort().join(', ')}`,
      });
    }
    return m;
  }

  async call(method: string, ...args: unknown[]): Promise<unknown> {
    const m = this.method(method);
    if (args.length !== m.params.length) {
      throw new JubaError(`${method} takes ${m.params.length} argument(s), got ${args.length}`, { code: 'usage' });
    }
    const result = await this.rpc.call(method, (w) => {
      w.arrayHeader(1 + m.params.length);
      w.str(this.name);
      m.params.forEach((p, i) => encodeValue(this.service, p.type, args[i], w));
    });
    return m.returnType ? decodeValue(this.service, m.returnType, result, 'result') : null;
  }

  getConfig(): Promise<string> {
    return this.call('get_config') as Promise<string>;
  }

  getStatus(): Promise<StatusMap> {
    return this.call('get_status') as Promise<StatusMap>;
  }

  save(id: string): Promise<Map<string, string>> {
    return this.call('save', id) as Promise<Map<string, string>>;
  }

  load(id: string): Promise<boolean> {
    return this.call('load', id) as Promise<boolean>;
  }

  doMix(): Promise<boolean> {
    return this.call('do_mix') as Promise<boolean>;
  }

  getProxyStatus(): Promise<StatusMap> {
    return this.call('get_proxy_status') as Promise<StatusMap>;
  }

  close(): void {
    this.rpc.close();
  }
}
