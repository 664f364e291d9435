/**
 * The one ZooKeeper session of a juba process (server, proxy, visor, `juba top`, `juba ctl`,
 * the durable feed). It offers the ZooKeeper operations over whichever session is current and
 * keeps what was registered through it alive across sessions:
 *
 * - ephemeral nodes created through it are created again after a new session (in the order
 *   they were first created), once the `onRenew` steps ran (the skeleton, the config lock);
 * - watches set through it are set again after a new session and after a reconnect;
 * - a session that expired is replaced with the shared backoff policy (or, with
 *   `renew: false`, the session ends: the visor stops its children then, as jubavisor does);
 * - a renewing session whose client stays disconnected longer than the session timeout is
 *   treated as expired: ZooKeeper has dropped the session (and our ephemerals) by then, even if
 *   the client was never told, e.g. when ZooKeeper restarted and refused the old session.
 *
 * Events: 'state' with a SessionEvent on every change.
 */
import { EventEmitter } from 'node:events';
import { retry, RECONNECT, Sleeper, type BackoffPolicy } from '../backoff.js';
import { JubaError } from '../errors.js';
import type { Logger } from '../logger.js';
import { isNodeExists } from './zk-errors.js';
import { Zk, type Coordination, type NodeMode, type Unwatch } from './zk.js';

export const SESSION_STATES = ['connected', 'disconnected', 'expired', 'reconnecting', 'closed'] as const;
export type SessionStateName = (typeof SESSION_STATES)[number];

export interface SessionEvent {
  state: SessionStateName;
  /** host:port of the ZooKeeper server in use ('' when none). */
  server: string;
  /** Sessions opened so far: 1, then one more after each expiry. */
  sessions: number;
  /** On 'connected': a new session whose registrations are restored (renewal number sessions − 1). */
  renewed?: boolean;
  /** On 'reconnecting': the attempt, and why the previous one failed. */
  attempt?: number;
  error?: string;
}

export interface ClusterSessionOptions {
  hosts: string;
  /** Requested session timeout, ms (Jubatus: --zookeeper_timeout × 1000). */
  sessionTimeoutMs: number;
  /** How long to wait for each connection; default the session timeout. */
  connectTimeoutMs?: number;
  /** After an expiry, open a new session (default); false: end the session ('expired', then 'closed'). */
  renew?: boolean;
  /** Where renewals are told (warn/info/error); silent by default. */
  logger?: SessionLog;
  policy?: BackoffPolicy;
  /** Opens one session (tests replace it). */
  connect?: () => Promise<Zk>;
}

export type SessionLog = Pick<Logger, 'warn' | 'info' | 'error'>;

// Short commands must not load pino just to stay silent.
const SILENT: SessionLog = { warn: () => undefined, info: () => undefined, error: () => undefined } as unknown as SessionLog;

interface Watch {
  arm(zk: Zk): Unwatch;
  off?: Unwatch;
  active: boolean;
}

export class ClusterSession extends EventEmitter implements Coordination {
  private zk: Zk;
  private closed = false;
  private renewing = false;
  private sessions = 1;
  private stateNow: SessionStateName = 'connected';
  private lostTimer?: NodeJS.Timeout;
  private readonly sleeper = new Sleeper();
  /** Ephemerals to create again in a new session: path → data, in creation order. */
  private readonly ephemerals = new Map<string, Buffer>();
  private readonly watches = new Set<Watch>();
  private readonly renewSteps = new Set<(zk: Zk) => Promise<void>>();
  private readonly log: SessionLog;
  private readonly connect: () => Promise<Zk>;

  private constructor(first: Zk, private readonly o: ClusterSessionOptions, connect: () => Promise<Zk>) {
    super();
    this.log = o.logger ?? SILENT;
    this.connect = connect;
    this.zk = first;
    this.attach(first);
  }

  /** Opens the first session; rejects when ZooKeeper cannot be reached in time. */
  static async open(o: ClusterSessionOptions): Promise<ClusterSession> {
    const connect = o.connect ?? (() => Zk.connect(o.hosts, { sessionTimeoutMs: o.sessionTimeoutMs, connectTimeoutMs: o.connectTimeoutMs }));
    return new ClusterSession(await connect(), o, connect);
  }

  get hosts(): string {
    return this.o.hosts;
  }

  /** The client of the current session (for what the operations below do not cover). */
  get current(): Zk {
    return this.zk;
  }

  get state(): SessionStateName {
    return this.stateNow;
  }

  /** New sessions opened after an expiry. */
  get renewals(): number {
    return this.sessions - 1;
  }

  /** True while what was registered through the session is in ZooKeeper (not expired, not renewing). */
  get restored(): boolean {
    return !this.closed && !this.renewing && this.stateNow !== 'expired';
  }

  get connectedServer(): string {
    return this.zk.connectedServer;
  }

  get sessionId(): string {
    return this.zk.sessionId;
  }

  /** Calls `fn` with the state now, then with every change; returns the unsubscribe. */
  onState(fn: (e: SessionEvent) => void): () => void {
    fn({ state: this.stateNow, server: this.zk.connectedServer, sessions: this.sessions });
    this.on('state', fn);
    return () => void this.off('state', fn);
  }

  /**
   * A step run in every new session before its ephemerals are created again (the skeleton, a
   * lock). A failing step is retried with the whole renewal. Returns the removal.
   */
  onRenew(step: (zk: Zk) => Promise<void>): () => void {
    this.renewSteps.add(step);
    return () => void this.renewSteps.delete(step);
  }

  // ---- operations over the current session ----

  async create(path: string, data: string | Buffer = '', mode: NodeMode = 'persistent'): Promise<string> {
    const created = await this.zk.create(path, data, mode);
    if (mode === 'ephemeral') this.ephemerals.set(path, Buffer.from(data));
    return created;
  }

  mkdirp(path: string): Promise<void> {
    return this.zk.mkdirp(path);
  }

  exists(path: string): Promise<boolean> {
    return this.zk.exists(path);
  }

  getData(path: string): Promise<Buffer | null> {
    return this.zk.getData(path);
  }

  setData(path: string, data: string | Buffer, version = -1): Promise<number> {
    return this.zk.setData(path, data, version);
  }

  ownerOf(path: string): Promise<string | null> {
    return this.zk.ownerOf(path);
  }

  getChildren(path: string): Promise<string[]> {
    return this.zk.getChildren(path);
  }

  /** Removes a node (and stops re-creating it, if it was an ephemeral of ours). */
  async remove(path: string, version = -1): Promise<void> {
    this.ephemerals.delete(path);
    await this.zk.remove(path, version);
  }

  watchChildren(path: string, onChange: (children: string[]) => void, onError?: (e: unknown) => void): Unwatch {
    return this.watch((zk) => zk.watchChildren(path, onChange, onError));
  }

  /** As Zk.watchDeleted; after a reconnect or a new session, a node found missing counts as deleted. */
  watchDeleted(path: string, onDeleted: () => void): Unwatch {
    let fired = false;
    const w = this.watch((zk) => zk.watchDeleted(path, () => {
      if (fired) return;
      fired = true;
      queueMicrotask(() => w()); // the callback may come before `w` is assigned
      onDeleted();
    }));
    return w;
  }

  private watch(arm: (zk: Zk) => Unwatch): Unwatch {
    const w: Watch = { arm, active: true };
    this.watches.add(w);
    w.off = arm(this.zk);
    return () => {
      w.active = false;
      w.off?.();
      this.watches.delete(w);
    };
  }

  /** Sets every watch again on `zk` (the old one-shot watches may be lost or belong to a dead session). */
  private rearm(zk: Zk): void {
    for (const w of [...this.watches]) {
      if (!w.active) continue;
      w.off?.();
      w.off = w.arm(zk);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearLostTimer();
    this.sleeper.wake();
    for (const w of this.watches) w.off?.();
    this.watches.clear();
    this.setState('closed', '');
    await this.zk.close();
    this.removeAllListeners();
  }

  // ---- session life ----

  private setState(state: SessionStateName, server: string, extra: Partial<SessionEvent> = {}): void {
    this.stateNow = state;
    this.emit('state', { state, server, sessions: this.sessions, ...extra } satisfies SessionEvent);
  }

  private clearLostTimer(): void {
    if (this.lostTimer) clearTimeout(this.lostTimer);
    this.lostTimer = undefined;
  }

  private attach(zk: Zk): void {
    const live = (): boolean => zk === this.zk && !this.renewing && !this.closed;
    zk.on('connected', () => {
      if (!live()) return;
      this.clearLostTimer();
      const reconnected = this.stateNow === 'disconnected';
      this.setState('connected', zk.connectedServer);
      // Watches lost while away would leave us blind; set them again (a missing node fires).
      if (reconnected) this.rearm(zk);
    });
    zk.on('disconnected', () => {
      if (!live()) return;
      this.setState('disconnected', '');
      this.log.warn({ zookeeper: this.o.hosts }, 'ZooKeeper connection lost; reconnecting');
      this.clearLostTimer();
      // A session that is not renewed ends only when ZooKeeper says so (jubavisor's children live on).
      if (this.o.renew === false) return;
      // Past the session timeout ZooKeeper has dropped the session, whatever the client thinks.
      const limit = zk.sessionTimeoutMs || this.o.sessionTimeoutMs;
      this.lostTimer = setTimeout(() => {
        if (!live() || this.stateNow !== 'disconnected') return;
        this.log.warn({ zookeeper: this.o.hosts, ms: limit }, 'no ZooKeeper connection for a session timeout: the session is lost');
        void this.expired(zk);
      }, limit);
      this.lostTimer.unref?.();
    });
    zk.on('expired', () => live() && void this.expired(zk));
  }

  private async expired(old: Zk): Promise<void> {
    if (this.renewing || this.closed || old !== this.zk) return;
    this.renewing = true;
    this.clearLostTimer();
    this.setState('expired', '');
    // The expired client must not keep reconnecting (and heartbeating) beside the new one.
    void old.close();
    if (this.o.renew === false) {
      this.log.error({ zookeeper: this.o.hosts }, 'ZooKeeper session expired');
      await this.close();
      return;
    }
    this.log.warn({ zookeeper: this.o.hosts }, 'ZooKeeper session expired; opening a new session');
    let fresh: Zk | undefined;
    /** Ephemerals the fresh session already holds (a failed attempt may have made some). */
    let made = new Set<string>();
    let error: string | undefined;
    const done = await retry(async (attempt) => {
      this.setState('reconnecting', '', { attempt, error });
      if (!fresh) {
        fresh = await this.connect();
        made = new Set();
      }
      try {
        for (const step of this.renewSteps) await step(fresh);
        await this.recreateEphemerals(fresh, made);
      } catch (e) {
        // The new session itself may have died meanwhile: open another on the next attempt.
        if (!fresh.connectedServer) {
          void fresh.close();
          fresh = undefined;
        }
        throw e;
      }
      return fresh;
    }, {
      policy: this.o.policy ?? RECONNECT,
      stopped: () => this.closed,
      sleeper: this.sleeper,
      onError: (e, attempt, delayMs) => {
        error = e instanceof Error ? e.message : String(e);
        this.log.warn({ attempt, err: error, retry_ms: delayMs }, 'cannot renew the ZooKeeper session yet; retrying');
      },
    });
    if (!done || this.closed) {
      // Closed meanwhile: the session a connect in flight brought must not keep the process alive.
      void (done ?? fresh)?.close();
      return;
    }
    this.zk = done;
    this.sessions++;
    this.renewing = false;
    this.attach(done);
    this.rearm(done);
    this.log.info({ zookeeper: done.connectedServer, session: done.sessionId, renewals: this.renewals }, 'ZooKeeper session renewed; registrations restored');
    this.setState('connected', done.connectedServer, { renewed: true });
  }

  /** Our ephemerals, in creation order; one left by the dead session is waited out (retry). */
  private async recreateEphemerals(zk: Zk, made: Set<string>): Promise<void> {
    for (const [path, data] of this.ephemerals) {
      if (made.has(path)) continue;
      await zk.mkdirp(path.slice(0, path.lastIndexOf('/')));
      try {
        await zk.create(path, data, 'ephemeral');
        made.add(path);
      } catch (e) {
        if (!isNodeExists(e)) throw e;
        throw new Error(`${path} still exists (the old session's, until ZooKeeper drops it)`);
      }
    }
  }
}

/**
 * A short command's session (`juba ctl`, `juba config`, …): opens it, runs `fn`, and always
 * closes it (so ephemeral lock nodes go at once). ZooKeeper failures that are not JubaErrors
 * become one with the hosts named.
 */
export async function withSession<T>(hosts: string, timeoutSec: number, fn: (zk: ClusterSession) => Promise<T>): Promise<T> {
  const ms = Math.max(1, timeoutSec) * 1000;
  const session = await ClusterSession.open({ hosts, sessionTimeoutMs: ms, connectTimeoutMs: ms, renew: false });
  try {
    return await fn(session);
  } catch (e) {
    if (e instanceof JubaError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    const lost = /CONNECTION_LOSS|SESSION_EXPIRED/.test(msg);
    throw new JubaError(`ZooKeeper request failed: ${msg}`, {
      code: lost ? 'unreachable' : 'failed',
      hint: `check the ZooKeeper ensemble at ${hosts} and retry`,
      cause: e,
    });
  } finally {
    await session.close();
  }
}
