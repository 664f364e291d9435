/**
 * msgpack-rpc client over one TCP connection: many calls may be in flight (pipelined), replies
 * are matched by msgid, each call has its own timeout. Requests issued in the same tick go out
 * in one write.
 */
import net from 'node:net';
import { MsgReader, type MsgValue } from '../msgpack/reader.js';
import { MsgWriter } from '../msgpack/writer.js';
import { FrameBuffer } from './framing.js';
import { RpcClosedError, RpcConnectError, RpcError, RpcTimeoutError, type RpcTransportError } from './errors.js';

export interface RpcClientOptions {
  host: string;
  port: number;
  /** Per-call timeout in ms (0 = none). */
  timeoutMs?: number;
  connectTimeoutMs?: number;
}

interface Pending {
  method: string;
  resolve(v: MsgValue): void;
  reject(e: Error): void;
  timer?: NodeJS.Timeout;
}

export class RpcClient {
  private socket?: net.Socket;
  private connecting?: Promise<net.Socket>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private readonly out = new MsgWriter(4096);
  private flushScheduled = false;
  /** Bytes to send before what `out` holds: requests written so far, then large payloads (callRaw). */
  private queued: Uint8Array[] = [];
  private frames = new FrameBuffer();
  private connectingSocket?: net.Socket;

  constructor(readonly opts: RpcClientOptions) {}

  get address(): string {
    return `${this.opts.host}:${this.opts.port}`;
  }

  /** Calls `method`; `writeParams` writes the params array (header included). */
  call(method: string, writeParams: (w: MsgWriter) => void, timeoutMs = this.opts.timeoutMs ?? 10_000): Promise<MsgValue> {
    return this.request(method, writeParams, undefined, timeoutMs);
  }

  /**
   * Calls `method` with one raw param, `[payload]`: the same bytes on the wire as
   * `call(method, w => { w.arrayHeader(1); w.raw(payload); })`, but the payload goes to the
   * socket as it is, without being copied. It must not change until the call has settled.
   */
  callRaw(method: string, payload: Uint8Array, timeoutMs = this.opts.timeoutMs ?? 10_000): Promise<MsgValue> {
    return this.request(method, (w) => {
      w.arrayHeader(1);
      w.rawHeaderOnly(payload.length);
    }, payload, timeoutMs);
  }

  private request(method: string, writeParams: (w: MsgWriter) => void, tail: Uint8Array | undefined, timeoutMs: number): Promise<MsgValue> {
    const msgid = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0;
    return new Promise<MsgValue>((resolve, reject) => {
      const p: Pending = { method, resolve, reject };
      if (timeoutMs > 0) {
        p.timer = setTimeout(() => {
          this.pending.delete(msgid);
          reject(new RpcTimeoutError(method, timeoutMs, this.address));
        }, timeoutMs);
      }
      this.pending.set(msgid, p);
      const w = this.out;
      w.arrayHeader(4);
      w.int(0);
      w.int(msgid);
      w.str(method);
      writeParams(w);
      if (tail) {
        this.queued.push(w.toBytes(), tail);
        w.reset();
      }
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      const chunks = this.queued;
      this.queued = [];
      if (this.out.pos > 0) chunks.push(this.out.toBytes());
      this.out.reset();
      if (chunks.length === 0) return;
      if (this.socket) writeAll(this.socket, chunks);
      else
        this.connect().then(
          (s) => writeAll(s, chunks),
          () => undefined, // pending calls were already rejected by the connect failure
        );
    });
  }

  /** Opens the connection (calls do this on demand). */
  connect(): Promise<net.Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    if (this.connecting) return this.connecting;
    this.connecting = new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: this.opts.host, port: this.opts.port });
      this.connectingSocket = s;
      s.setNoDelay(true);
      const timer = setTimeout(() => s.destroy(new Error('connect timeout')), this.opts.connectTimeoutMs ?? 10_000);
      s.once('connect', () => {
        clearTimeout(timer);
        this.connectingSocket = undefined;
        this.socket = s;
        this.connecting = undefined;
        resolve(s);
      });
      s.on('data', (chunk) => this.onData(chunk));
      s.on('error', (e) => {
        clearTimeout(timer);
        if (!this.socket) {
          this.connecting = undefined;
          this.connectingSocket = undefined;
          const err = new RpcConnectError(this.address, e.message);
          this.failAll(err);
          reject(err);
        }
      });
      s.on('close', () => {
        if (this.socket === s) {
          this.socket = undefined;
          this.frames = new FrameBuffer();
          this.failAll(new RpcClosedError(this.address));
        }
      });
    });
    return this.connecting;
  }

  private onData(chunk: Buffer): void {
    try {
      this.frames.push(chunk);
      for (let f = this.frames.next(); f; f = this.frames.next()) {
        const msg = new MsgReader(f).read();
        if (!Array.isArray(msg) || msg[0] !== 1 || typeof msg[1] !== 'number') continue;
        const p = this.pending.get(msg[1]);
        if (!p) continue; // late reply to a timed-out call
        this.pending.delete(msg[1]);
        if (p.timer) clearTimeout(p.timer);
        const error = msg[2] ?? null;
        if (error === null) p.resolve(msg[3] ?? null);
        else p.reject(RpcError.fromResponse(p.method, error, msg[3] ?? null));
      }
    } catch (e) {
      this.socket?.destroy(e as Error);
    }
  }

  private failAll(err: RpcTransportError): void {
    for (const [id, p] of this.pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
      this.pending.delete(id);
    }
  }

  /** Closes the connection; calls still waiting fail with `connection closed`. */
  close(): void {
    this.connectingSocket?.destroy();
    this.connectingSocket = undefined;
    this.connecting = undefined;
    this.socket?.destroy();
    this.socket = undefined;
    this.frames = new FrameBuffer();
    this.failAll(new RpcClosedError(this.address));
  }
}

/** Writes the chunks in order, in one batch. */
function writeAll(socket: net.Socket, chunks: Uint8Array[]): void {
  if (chunks.length === 1) {
    socket.write(chunks[0]!);
    return;
  }
  socket.cork();
  for (const c of chunks) socket.write(c);
  socket.uncork();
}
