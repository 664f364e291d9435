/**
 * A ZooKeeper session that outlives expiry, for a long-running viewer: when the session
 * expires, the old client is closed and a new one is opened with backoff until it connects;
 * then every `onSession` listener is called with it, so watches get set again. Meanwhile the
 * caller keeps showing what it last knew. (Servers renew their own way: they must re-register.)
 */
import type { Zk } from '../cluster/zk.js';
import type { ZkState } from './state.js';

export interface SessionEvent {
  state: ZkState;
  /** host:port of the ZooKeeper server in use ('' when none). */
  server: string;
  attempt?: number;
  error?: string;
  /** Sessions opened so far: 1, then one more after each expiry. */
  sessions: number;
}

export interface ZkSessionOptions {
  /** Opens a new session (rejects when ZooKeeper cannot be reached in time). */
  connect: () => Promise<Zk>;
  /** First wait after a failed attempt; doubled each time up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export function backoffDelay(attempt: number, firstMs: number, maxMs: number): number {
  return Math.min(maxMs, firstMs * 2 ** Math.max(0, attempt - 1));
}

export class ZkSession {
  private zk: Zk;
  private closed = false;
  private renewing = false;
  private sessions = 1;
  private wake?: () => void;
  private readonly listeners = new Set<(zk: Zk) => void>();
  private readonly stateListeners = new Set<(e: SessionEvent) => void>();

  constructor(first: Zk, private readonly o: ZkSessionOptions) {
    this.zk = first;
    this.attach(first);
  }

  get current(): Zk {
    return this.zk;
  }

  /** Calls `fn` with the current state now and with every change. */
  onState(fn: (e: SessionEvent) => void): () => void {
    this.stateListeners.add(fn);
    const server = this.zk.connectedServer;
    fn({ state: this.renewing ? 'reconnecting' : server ? 'connected' : 'disconnected', server, sessions: this.sessions });
    return () => void this.stateListeners.delete(fn);
  }

  /** Calls `fn` with every new session opened after an expiry. */
  onSession(fn: (zk: Zk) => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  private emit(e: Omit<SessionEvent, 'sessions'>): void {
    for (const fn of this.stateListeners) fn({ ...e, sessions: this.sessions });
  }

  private attach(zk: Zk): void {
    // Once expired, the old client's late events (it still reports a disconnect) are not news.
    const live = (): boolean => zk === this.zk && !this.renewing;
    zk.on('connected', () => live() && this.emit({ state: 'connected', server: zk.connectedServer }));
    zk.on('disconnected', () => live() && this.emit({ state: 'disconnected', server: '' }));
    zk.on('expired', () => live() && void this.renew());
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.closed) return;
    this.renewing = true;
    this.emit({ state: 'expired', server: '' });
    // The expired client would otherwise keep reconnecting beside the new one.
    void this.zk.close();
    let error: string | undefined;
    for (let attempt = 1; !this.closed; attempt++) {
      this.emit({ state: 'reconnecting', server: '', attempt, error });
      try {
        const fresh = await this.o.connect();
        if (this.closed) {
          await fresh.close();
          return;
        }
        this.zk = fresh;
        this.renewing = false;
        this.sessions++;
        this.attach(fresh);
        this.emit({ state: 'connected', server: fresh.connectedServer });
        for (const fn of this.listeners) fn(fresh);
        return;
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
        await this.sleep(backoffDelay(attempt, this.o.backoffMs ?? 500, this.o.maxBackoffMs ?? 10_000));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    this.listeners.clear();
    this.stateListeners.clear();
    await this.zk.close();
  }
}
