/**
 * msgpack-rpc server over TCP. Requests on one connection may complete out of order (async
 * methods); responses are matched by msgid. Responses produced while handling one read are
 * written in a single batch. Garbage or an oversized frame closes that connection only.
 */
import net from 'node:net';
import { ArgumentError } from '../errors.js';
import type { Logger } from '../logger.js';
import { MsgReader, bytesToString, type MsgValue } from '../msgpack/reader.js';
import { MsgWriter } from '../msgpack/writer.js';
import { FrameBuffer } from './framing.js';
import { ARGUMENT_ERROR, NO_METHOD_ERROR } from './errors.js';

export interface RpcMethod {
  /** Converts the params (throw ArgumentError for error 2), runs the method. */
  call(params: MsgValue[]): unknown;
  /** Writes the result with its declared type. */
  encodeResult(w: MsgWriter, result: unknown): void;
}

export type RpcObserver = (method: string, outcome: 'ok' | 'error', seconds: number) => void;

export interface RpcServerOptions {
  /** Idle-connection timeout in seconds; 0 = never close idle connections. */
  timeoutSec: number;
  maxFrameBytes?: number;
  logger: Logger;
  /** Looks a method up by its exact name. */
  lookup(name: string): RpcMethod | undefined;
  /**
   * Told of each answered call: method, outcome and seconds from dispatch to reply (or
   * throw). Set only when /metrics is on; unknown methods and notifications are not reported.
   */
  observe?: RpcObserver;
}

class Connection {
  private readonly frames: FrameBuffer;
  private readonly out = new MsgWriter(4096);
  private flushScheduled = false;
  private closed = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly opts: RpcServerOptions,
  ) {
    this.frames = new FrameBuffer(opts.maxFrameBytes);
    socket.setNoDelay(true);
    if (opts.timeoutSec > 0) {
      socket.setTimeout(opts.timeoutSec * 1000, () => {
        opts.logger.debug({ peer: socket.remoteAddress }, 'closing idle connection');
        socket.destroy();
      });
    }
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => (this.closed = true));
  }

  private onData(chunk: Buffer): void {
    try {
      this.frames.push(chunk);
      for (let frame = this.frames.next(); frame; frame = this.frames.next()) this.onFrame(frame);
    } catch (e) {
      this.opts.logger.warn(
        { peer: `${this.socket.remoteAddress}:${this.socket.remotePort}`, err: (e as Error).message },
        'closing connection: bad msgpack-rpc input',
      );
      this.socket.destroy();
      return;
    }
    this.flush();
  }

  private onFrame(frame: Uint8Array): void {
    const msg = new MsgReader(frame).read();
    if (!Array.isArray(msg) || (msg[0] !== 0 && msg[0] !== 2)) throw new Error('not a msgpack-rpc request');
    const notify = msg[0] === 2;
    const msgid = notify ? 0 : msg[1];
    const nameV = notify ? msg[1] : msg[2];
    const params = notify ? msg[2] : msg[3];
    if (!notify && (typeof msgid !== 'number' || msgid < 0 || msgid > 0xffffffff)) throw new Error('bad msgid');
    if (!(nameV instanceof Uint8Array)) throw new Error('method name is not a string');
    const name = bytesToString(nameV);
    const method = this.opts.lookup(name);
    if (!method) {
      if (!notify) this.reply(msgid as number, NO_METHOD_ERROR, (w) => w.str(name));
      return;
    }
    if (!Array.isArray(params)) {
      if (!notify) this.reply(msgid as number, ARGUMENT_ERROR, (w) => w.str('params must be an array'));
      return;
    }
    const observe = notify ? undefined : this.opts.observe;
    if (observe) return this.callObserved(msgid as number, name, method, params, observe);
    let result: unknown;
    try {
      result = method.call(params);
    } catch (e) {
      if (!notify) this.replyError(msgid as number, e);
      return;
    }
    if (notify) return;
    if (result instanceof Promise) {
      result.then(
        (r) => this.replyAsync(msgid as number, method, r),
        (e) => {
          this.replyError(msgid as number, e);
          this.scheduleFlush();
        },
      );
    } else this.replyOk(msgid as number, method, result);
  }

  /** The same dispatch as onFrame's, timed and reported to `observe` (metrics on). */
  private callObserved(msgid: number, name: string, method: RpcMethod, params: MsgValue[], observe: RpcObserver): void {
    const t0 = performance.now();
    const seconds = (): number => (performance.now() - t0) / 1000;
    let result: unknown;
    try {
      result = method.call(params);
    } catch (e) {
      this.replyError(msgid, e);
      observe(name, 'error', seconds());
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (r) => {
          this.replyAsync(msgid, method, r);
          observe(name, 'ok', seconds());
        },
        (e) => {
          this.replyError(msgid, e);
          this.scheduleFlush();
          observe(name, 'error', seconds());
        },
      );
    } else {
      this.replyOk(msgid, method, result);
      observe(name, 'ok', seconds());
    }
  }

  private replyAsync(msgid: number, method: RpcMethod, r: unknown): void {
    this.replyOk(msgid, method, r);
    this.scheduleFlush();
  }

  private replyOk(msgid: number, method: RpcMethod, result: unknown): void {
    const w = this.out;
    const mark = w.pos;
    try {
      w.arrayHeader(4);
      w.int(1);
      w.int(msgid);
      w.nil();
      method.encodeResult(w, result);
    } catch (e) {
      w.pos = mark; // drop the half-written response
      this.opts.logger.error({ err: (e as Error).message }, 'cannot encode a method result');
      this.replyError(msgid, e);
    }
  }

  private replyError(msgid: number, e: unknown): void {
    if (e instanceof ArgumentError) {
      this.reply(msgid, ARGUMENT_ERROR, (w) => w.str(e.message));
      return;
    }
    const message = e instanceof Error ? e.message : String(e);
    const w = this.out;
    w.arrayHeader(4);
    w.int(1);
    w.int(msgid);
    w.str(message);
    w.nil();
  }

  private reply(msgid: number, code: number, writeResult: (w: MsgWriter) => void): void {
    const w = this.out;
    w.arrayHeader(4);
    w.int(1);
    w.int(msgid);
    w.int(code);
    writeResult(w);
  }

  /**
   * Async answers go out when the current task's promise reactions are done: answers settled
   * together (a batch from an analysis thread) share one write, and none waits for the next
   * turn of the event loop.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.out.pos === 0 || this.closed) {
      this.out.reset();
      return;
    }
    this.socket.write(this.out.toBytes());
    this.out.reset();
  }
}

export class RpcServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly opts: RpcServerOptions) {
    this.server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      new Connection(socket, opts);
    });
  }

  /** Listens; resolves with the bound port (useful with port 0). */
  listen(port: number, host = '0.0.0.0'): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.server.once('error', onError);
      this.server.listen({ port, host, exclusive: true }, () => {
        this.server.off('error', onError);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Starts or stops reporting calls (metrics); connections already open see it too. */
  set observe(fn: RpcObserver | undefined) {
    this.opts.observe = fn;
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** Stops accepting, closes every connection. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
