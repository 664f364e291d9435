/**
 * How the proxy talks to servers (framework spec §5.4, §5.5): one pooled connection per server,
 * reused by every call and dropped when idle or broken; a forwarded call goes to all its
 * targets at once under one whole-request timer, and any failure fails the whole call with
 * Jubatus's proxy error strings.
 */
import { parseIpPort } from '../cluster/paths.js';
import { JubaError } from '../errors.js';
import type { Logger } from '../logger.js';
import { bytesToString, type MsgValue } from '../msgpack/reader.js';
import { RpcClient } from '../rpc/client.js';
import { ARGUMENT_ERROR, NO_METHOD_ERROR, RpcConnectError, RpcError, RpcTimeoutError, RpcTransportError } from '../rpc/errors.js';

export interface ServerPoolOptions {
  /** Idle connections are closed after this many seconds (0 = after about a second). */
  expireSec: number;
  /** Most pooled connections at once; 0 = unlimited. */
  size: number;
  /** The whole-request timeout of forwarded calls (interconnect_timeout), in ms. */
  requestTimeoutMs: number;
  logger: Logger;
}

interface Pooled {
  ipPort: string;
  client: RpcClient;
  inflight: number;
  lastUsed: number;
  /** Out of the pool: closed as soon as its last call settles. */
  retired: boolean;
}

/** A call in flight to one server. */
interface Sent {
  ipPort: string;
  conn?: Pooled;
  reply: Promise<MsgValue>;
}

export class ServerPool {
  private readonly pool = new Map<string, Pooled>();
  /** Retired connections still waiting for calls to settle. */
  private readonly draining = new Set<Pooled>();

  constructor(private readonly opts: ServerPoolOptions) {}

  get requestTimeoutMs(): number {
    return this.opts.requestTimeoutMs;
  }

  get connections(): number {
    return this.pool.size;
  }

  /** Sends `method` with pre-encoded params (the array header included) to one server. */
  send(ipPort: string, method: string, params: Uint8Array): Sent {
    const conn = this.acquire(ipPort);
    if (!conn) {
      const err = new RpcConnectError(ipPort, `session pool is full (${this.opts.size})`);
      return { ipPort, reply: Promise.reject(err) };
    }
    conn.inflight++;
    conn.lastUsed = Date.now();
    // The per-call timer only guarantees that calls of a retired connection settle; the
    // whole-request timer (shorter) is what answers the client.
    const reply = conn.client.call(method, (w) => w.encoded(params), this.opts.requestTimeoutMs + 1000);
    const settle = (): void => {
      conn.inflight--;
      conn.lastUsed = Date.now();
      if (conn.retired && conn.inflight === 0) {
        conn.client.close();
        this.draining.delete(conn);
      }
    };
    reply.then(settle, (e: unknown) => {
      if (e instanceof RpcTransportError) this.retire(conn);
      settle();
    });
    return { ipPort, conn, reply };
  }

  /** Takes a connection out of the pool; new calls to its server open a fresh one. */
  retire(conn: Pooled): void {
    if (conn.retired) return;
    conn.retired = true;
    if (this.pool.get(conn.ipPort) === conn) this.pool.delete(conn.ipPort);
    if (conn.inflight === 0) conn.client.close();
    else this.draining.add(conn);
  }

  /** Closes connections idle for longer than the pool expiry. */
  sweep(now = Date.now()): void {
    const idleMs = Math.max(1, this.opts.expireSec) * 1000;
    for (const conn of this.pool.values()) {
      if (conn.inflight === 0 && now - conn.lastUsed >= idleMs) this.retire(conn);
    }
  }

  close(): void {
    for (const conn of [...this.pool.values(), ...this.draining]) {
      conn.retired = true;
      conn.client.close();
    }
    this.pool.clear();
    this.draining.clear();
  }

  private acquire(ipPort: string): Pooled | undefined {
    const have = this.pool.get(ipPort);
    if (have) return have;
    if (this.opts.size > 0 && this.pool.size >= this.opts.size && !this.evictOne()) return undefined;
    const { host, port } = parseIpPort(ipPort);
    const client = new RpcClient({ host, port, connectTimeoutMs: this.opts.requestTimeoutMs });
    const conn: Pooled = { ipPort, client, inflight: 0, lastUsed: Date.now(), retired: false };
    this.pool.set(ipPort, conn);
    return conn;
  }

  /** Makes room by closing the least recently used idle connection. */
  private evictOne(): boolean {
    let lru: Pooled | undefined;
    for (const c of this.pool.values()) if (c.inflight === 0 && (!lru || c.lastUsed < lru.lastUsed)) lru = c;
    if (lru) this.retire(lru);
    return lru !== undefined;
  }
}

/** What a client sees when one target failed (spec §5.4); transport failures rank first. */
function describeFailure(e: unknown): { transport: boolean; message: string } {
  if (e instanceof RpcTimeoutError) return { transport: true, message: 'timeout error in proxy' };
  if (e instanceof RpcTransportError) return { transport: true, message: 'connect error in proxy' };
  if (!(e instanceof RpcError)) return { transport: false, message: e instanceof Error ? e.message : String(e) };
  const err = e.error;
  if (err === NO_METHOD_ERROR) return { transport: false, message: 'jubatus::server::common::mprpc::rpc_method_not_found' };
  if (err === ARGUMENT_ERROR) return { transport: false, message: 'jubatus::server::common::mprpc::rpc_type_error' };
  // msgpack-c prints a raw object between double quotes, with no escaping.
  if (err instanceof Uint8Array) return { transport: false, message: `rpc_server error: "${bytesToString(err)}"` };
  return { transport: false, message: `rpc_server error: ${typeof err === 'string' ? `"${err}"` : String(err)}` };
}

export interface FanOutArgs {
  pool: ServerPool;
  targets: readonly string[];
  method: string;
  /** The params array, encoded once for every target. */
  params: Uint8Array;
  /** Converts one reply to the declared return type; a throw counts as that target's failure. */
  decode(reply: MsgValue): unknown;
  logger: Logger;
  /** Told of each target whose call failed (the proxy's per-member error metric). */
  onTargetFailed?(target: string): void;
}

/** Sends to every target and resolves with the decoded replies in completion order. */
export function fanOut(a: FanOutArgs): Promise<unknown[]> {
  const sent = a.targets.map((t) => a.pool.send(t, a.method, a.params));
  return new Promise((resolve, reject) => {
    const results: unknown[] = [];
    const pending = new Set(sent);
    let transportError: string | undefined;
    let firstError: string | undefined;
    let failed = 0;
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      // Those connections may be stuck: later calls should not queue behind them.
      for (const s of pending) if (s.conn) a.pool.retire(s.conn);
      a.logger.warn({ method: a.method, unanswered: pending.size, total: sent.length }, 'forwarded request timed out');
      reject(new JubaError('request timed out', { code: 'unreachable' }));
    }, a.pool.requestTimeoutMs);
    const finish = (): void => {
      if (pending.size > 0) return;
      done = true;
      clearTimeout(timer);
      if (failed === 0) return resolve(results);
      a.logger.warn({ method: a.method, failed, total: sent.length, error: transportError ?? firstError }, 'forwarded request failed');
      reject(new JubaError(transportError ?? firstError ?? 'no result', { code: 'failed' }));
    };
    const fail = (e: unknown, target: string): void => {
      const f = describeFailure(e);
      failed++;
      a.onTargetFailed?.(target);
      if (f.transport) transportError ??= f.message;
      else firstError ??= f.message;
      a.logger.debug({ method: a.method, target, err: (e as Error)?.message ?? String(e) }, 'forwarded call failed');
    };
    for (const s of sent) {
      s.reply.then(
        (reply) => {
          if (done) return;
          pending.delete(s);
          try {
            results.push(a.decode(reply));
          } catch {
            fail(new Error('no result'), s.ipPort);
          }
          finish();
        },
        (e: unknown) => {
          if (done) return;
          pending.delete(s);
          fail(e, s.ipPort);
          finish();
        },
      );
    }
    finish();
  });
}
