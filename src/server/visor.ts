/**
 * jubavisor (framework spec §9.3): a per-host agent that jubactl asks to start and stop engine
 * servers. It registers `/jubatus/supervisors/<ip>_<port>`, answers `start`/`stop` with
 * jubavisor's int codes, and hands its children ports from port+1 … port+16. Beyond jubavisor,
 * it keeps each child's output in a log file and restarts crashed children with capped backoff.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEphemeral } from '../cluster/membership.js';
import * as P from '../cluster/paths.js';
import { ClusterSession, type SessionEvent } from '../cluster/session.js';
import { engineFactory } from '../engine/registry.js';
import { ArgumentError } from '../errors.js';
import type { Logger } from '../logger.js';
import { bytesToString, type MsgValue } from '../msgpack/reader.js';
import type { MsgWriter } from '../msgpack/writer.js';
import { RpcServer, type RpcMethod } from '../rpc/server.js';
import { bindError } from './rpc-host.js';
import { backoffDelay } from '../backoff.js';
import { decodeServerArgv, type ServerArgv } from './server-argv.js';

export { SERVER_ARGV_DEFAULTS, decodeServerArgv, encodeServerArgv, type ServerArgv } from './server-argv.js';

/** `bin/run.js` of this package (from src/server or dist/server alike). */
export const JUBA_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/run.js');
/** jubavisor's pool size. */
export const MAX_CHILDREN = 16;

export interface VisorOptions {
  zookeeper: string;
  /** RPC port; children get port+1 … port+16. */
  port: number;
  /** Advertised address: the supervisor znode and the children's -b. */
  address: string;
  /** Address to bind the RPC server (default: every interface). */
  bindAddress?: string;
  /** Where each child's stdout/stderr go. */
  logdir: string;
  zookeeperTimeoutSec: number;
  logger: Logger;
  /** How to run `juba` (default: this Node + this package's bin/run.js). */
  command?: string[];
  stopTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

interface Child {
  key: string;
  engine: string;
  name: string;
  port: number;
  argv: ServerArgv;
  proc?: ChildProcess;
  exited?: Promise<void>;
  startedAt: number;
  crashes: number;
  restartTimer?: NodeJS.Timeout;
  stopping: boolean;
}

export interface VisorChildInfo {
  key: string;
  port: number;
  pid: number | null;
  crashes: number;
}

/** Events: 'lost' (the ZooKeeper session expired; children are already stopped). */
export class Visor extends EventEmitter {
  private readonly children: Child[] = [];
  /** Children restarted after an unexpected exit, since the visor started (/metrics). */
  restarts = 0;
  private closing?: Promise<void>;

  private constructor(
    private readonly o: VisorOptions,
    private readonly rpc: RpcServer,
    private readonly zk: ClusterSession,
    readonly ipPort: string,
  ) {
    super();
    // As jubavisor: an expired session ends the visor (the session does not renew).
    zk.on('state', (e: SessionEvent) => {
      if (e.state !== 'expired') return;
      o.logger.error({ zookeeper: o.zookeeper }, 'ZooKeeper session expired: stopping every server this visor started');
      void this.stopAll().then(() => this.emit('lost'));
    });
  }

  static async start(o: VisorOptions): Promise<Visor> {
    let methods: Record<string, RpcMethod> = {};
    const rpc = new RpcServer({
      timeoutSec: 10240, // jubavisor's hard-coded idle timeout
      logger: o.logger,
      lookup: (name) => (Object.hasOwn(methods, name) ? methods[name] : undefined),
    });
    const host = o.bindAddress ?? '0.0.0.0';
    await rpc.listen(o.port, host).catch((e: NodeJS.ErrnoException) => {
      throw bindError(e, o.port, host);
    });
    let zk: ClusterSession;
    try {
      zk = await ClusterSession.open({ hosts: o.zookeeper, sessionTimeoutMs: o.zookeeperTimeoutSec * 1000, renew: false, logger: o.logger });
    } catch (e) {
      await rpc.close();
      throw e;
    }
    const ipPort = P.ipPort(o.address, o.port);
    try {
      await zk.mkdirp(P.SUPERVISORS);
      await createEphemeral(zk, `${P.SUPERVISORS}/${ipPort}`);
    } catch (e) {
      await zk.close();
      await rpc.close();
      throw e;
    }
    const visor = new Visor(o, rpc, zk, ipPort);
    methods = visorMethods(visor);
    o.logger.info({ address: `${o.address}:${o.port}`, pid: process.pid, zookeeper: o.zookeeper, znode: `${P.SUPERVISORS}/${ipPort}`, logdir: o.logdir }, 'juba visor started');
    return visor;
  }

  /** jubavisor's start: 0 = N children of `key` run (or were spawned), -1 = refused. */
  start(key: string, n: number, argv: ServerArgv): number {
    const log = this.o.logger;
    if (this.closing) return -1;
    const parsed = splitKey(key);
    if (!parsed) {
      log.warn({ key }, 'start refused: the first parameter must be <server>/<name> with both parts non-empty');
      return -1;
    }
    let engine: string;
    try {
      engine = engineFactory(parsed.server).type;
    } catch (e) {
      log.warn({ key, err: (e as Error).message }, 'start refused: unknown engine');
      return -1;
    }
    const running = this.children.filter((c) => c.key === key).length;
    if (running > n) {
      log.warn({ key, running, requested: n }, 'start refused: more servers of this name already run here than requested');
      return -1;
    }
    const free = this.freePorts();
    if (free.length < n - running) {
      log.warn({ key, wanted: n - running, free: free.length }, 'start refused: not enough ports left in this visor\'s pool (16 servers at most)');
      return -1;
    }
    for (const port of free.slice(0, n - running)) {
      const child: Child = { key, engine, name: parsed.name, port, argv, startedAt: 0, crashes: 0, stopping: false };
      this.children.push(child);
      this.spawnChild(child);
    }
    return 0;
  }

  /** jubavisor's stop: N is ignored; every child of `key` gets SIGTERM. 0, or −(failures). */
  async stop(key: string, _n: number): Promise<number> {
    const mine = this.children.filter((c) => c.key === key);
    const results = await Promise.all(mine.map((c) => this.stopChild(c)));
    const failures = results.filter((ok) => !ok).length;
    return failures === 0 ? 0 : -failures; // never -0: it would go out as a float

  }

  list(): VisorChildInfo[] {
    return this.children.map((c) => ({ key: c.key, port: c.port, pid: c.proc?.pid ?? null, crashes: c.crashes }));
  }

  /** Stops every child (by pid), unregisters, closes the RPC server. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.stopAll();
      await this.zk.close();
      await this.rpc.close();
    })();
    return this.closing;
  }

  private async stopAll(): Promise<void> {
    await Promise.all([...this.children].map((c) => this.stopChild(c)));
  }

  private freePorts(): number[] {
    const used = new Set(this.children.map((c) => c.port));
    const out: number[] = [];
    for (let p = this.o.port + 1; p <= this.o.port + MAX_CHILDREN && p <= 65535; p++) if (!used.has(p)) out.push(p);
    return out;
  }

  private childArgs(c: Child): string[] {
    const a = c.argv;
    // -b pins the child to the visor's address so its ip_port matches the host jubactl sees.
    const bind = a.bindIf ? ['-B', a.bindIf] : ['-b', this.o.address];
    return [
      'serve', c.engine, '-z', this.o.zookeeper, '-n', c.name, '-p', String(c.port), ...bind,
      '-c', String(a.threadnum), '-t', String(a.timeout), '-Z', String(a.zookeeperTimeout),
      '-I', String(a.interconnectTimeout), '-d', a.datadir, '-s', String(a.intervalSec),
      '-i', String(a.intervalCount), '-x', a.mixer,
      ...(a.logdir ? ['-l', a.logdir] : []), ...(a.logConfig ? ['-g', a.logConfig] : []),
    ];
  }

  private logFile(c: Child): string {
    return path.join(this.o.logdir, `juba${c.engine}.${c.name}.${P.ipPort(this.o.address, c.port)}.log`);
  }

  private spawnChild(c: Child): void {
    const log = this.o.logger;
    const [cmd, ...pre] = this.o.command ?? [process.execPath, JUBA_BIN];
    const args = [...pre, ...this.childArgs(c)];
    let fd: number;
    try {
      fd = fs.openSync(this.logFile(c), 'a');
    } catch (e) {
      log.error({ file: this.logFile(c), err: (e as Error).message }, 'cannot open the server log file; its output is dropped');
      fd = -1;
    }
    const out = fd >= 0 ? fd : 'ignore';
    const proc = spawn(cmd!, args, { stdio: ['ignore', out, out] });
    if (fd >= 0) fs.closeSync(fd);
    c.proc = proc;
    c.startedAt = Date.now();
    c.exited = new Promise((resolve) => {
      proc.once('error', (e) => {
        log.error({ key: c.key, err: e.message }, 'cannot run the server');
        resolve();
        this.onExit(c, proc, null, null);
      });
      proc.once('exit', (code, signal) => {
        resolve();
        this.onExit(c, proc, code, signal);
      });
    });
    log.info({ key: c.key, port: c.port, pid: proc.pid, log: this.logFile(c), argv: args.slice(pre.length) }, 'server started');
  }

  private onExit(c: Child, proc: ChildProcess, code: number | null, signal: string | null): void {
    if (c.proc !== proc) return;
    c.proc = undefined;
    if (c.stopping || this.closing) return;
    // A child that ran a while counts as healthy again: the next crash waits only the first step.
    const cap = this.o.backoffMaxMs ?? 30_000;
    if (Date.now() - c.startedAt > cap) c.crashes = 0;
    const delay = backoffDelay(c.crashes + 1, { firstMs: this.o.backoffInitialMs ?? 1000, maxMs: cap });
    c.crashes++;
    this.o.logger.warn({ key: c.key, port: c.port, pid: proc.pid, code, signal, restartInMs: delay, crashes: c.crashes, log: this.logFile(c) }, 'server exited unexpectedly; restarting');
    c.restartTimer = setTimeout(() => {
      c.restartTimer = undefined;
      if (c.stopping || this.closing) return;
      this.restarts++;
      this.spawnChild(c);
    }, delay);
  }

  /** SIGTERM, then SIGKILL after the stop timeout; false when it had to be killed. */
  private async stopChild(c: Child): Promise<boolean> {
    c.stopping = true;
    if (c.restartTimer) clearTimeout(c.restartTimer);
    let ok = true;
    const proc = c.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null && proc.pid) {
      proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        c.exited!.then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), this.o.stopTimeoutMs ?? 10_000))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        ok = false;
        this.o.logger.warn({ key: c.key, pid: proc.pid }, 'server did not stop on SIGTERM; killing it');
        proc.kill('SIGKILL');
        await c.exited;
      }
      this.o.logger.info({ key: c.key, port: c.port, pid: proc.pid }, 'server stopped');
    }
    const i = this.children.indexOf(c);
    if (i >= 0) this.children.splice(i, 1);
    return ok;
  }
}

/** `<server>/<name>`, no spaces, both parts non-empty (jubavisor's check). */
export function splitKey(key: string): { server: string; name: string } | undefined {
  const i = key.indexOf('/');
  if (i <= 0 || i === key.length - 1 || /\s/.test(key)) return undefined;
  return { server: key.slice(0, i), name: key.slice(i + 1) };
}

function str(v: MsgValue | undefined, what: string): string {
  if (!(v instanceof Uint8Array)) throw new ArgumentError(`${what} must be a string`);
  return bytesToString(v);
}

function uint(v: MsgValue | undefined, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'bigint' && v >= 0n) return Number(v);
  throw new ArgumentError(`${what} must be an unsigned integer`);
}

const intResult = (w: MsgWriter, r: unknown): void => w.int(r as number);

function visorMethods(v: Visor): Record<string, RpcMethod> {
  return {
    start: { call: (p) => v.start(str(p[0], 'start: name'), uint(p[1], 'start: N'), decodeServerArgv(p[2] ?? null)), encodeResult: intResult },
    stop: { call: (p) => v.stop(str(p[0], 'stop: name'), uint(p[1], 'stop: N')), encodeResult: intResult },
    // juba's own: what this visor runs, for `juba ctl status`.
    list: {
      call: () => v.list(),
      encodeResult: (w, r) => {
        const items = r as VisorChildInfo[];
        w.arrayHeader(items.length);
        for (const c of items) {
          w.arrayHeader(3);
          w.str(c.key);
          w.int(c.port);
          if (c.pid === null) w.nil();
          else w.int(c.pid);
        }
      },
    },
  };
}
