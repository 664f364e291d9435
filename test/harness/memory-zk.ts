/**
 * An in-memory ZooKeeper for unit tests: one tree (`MemoryEnsemble`) shared by sessions
 * (`MemoryZk`) that offer what cluster code uses of a `Zk`: the Coordination operations,
 * ephemeral and sequential nodes, one-shot watches re-armed as Zk's are, and the session events
 * ('connected', 'disconnected', 'expired'). Tests drive outages and expiries explicitly.
 */
import { EventEmitter } from 'node:events';
import type { Coordination, NodeMode, Unwatch, Zk } from '../../src/cluster/zk.js';

interface Node {
  data: Buffer;
  /** Session id of an ephemeral's owner. */
  owner?: number;
  /** Next sequence number for sequential children. */
  seq: number;
}

const CODES: Record<string, number> = { NO_NODE: -101, NODE_EXISTS: -110, SESSION_EXPIRED: -112, CONNECTION_LOSS: -4 };
/** Errors as node-zookeeper-client raises them: `getCode()` gives the protocol's code. */
const codeError = (name: string, path: string): Error => Object.assign(new Error(`${name}[${path}]`), { getCode: () => CODES[name] });

export class MemoryEnsemble {
  readonly nodes = new Map<string, Node>([['/', { data: Buffer.alloc(0), seq: 0 }]]);
  private readonly listeners = new Set<() => void>();
  private nextSession = 1;
  /** False while "ZooKeeper is down": every operation fails with CONNECTION_LOSS. */
  up = true;

  session(): MemoryZk {
    return new MemoryZk(this, this.nextSession++);
  }

  /** Every watch re-reads after any change (enough for tests; callbacks only fire on a difference). */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  changed(): void {
    for (const fn of [...this.listeners]) fn();
  }

  /** Drops a session's ephemerals (what ZooKeeper does when the session ends). */
  dropSession(id: number): void {
    for (const [p, n] of this.nodes) if (n.owner === id) this.nodes.delete(p);
    this.changed();
  }

  children(path: string): string[] | null {
    if (!this.nodes.has(path)) return null;
    const prefix = path === '/' ? '/' : `${path}/`;
    const out: string[] = [];
    for (const p of this.nodes.keys()) {
      if (p !== path && p.startsWith(prefix) && !p.slice(prefix.length).includes('/')) out.push(p.slice(prefix.length));
    }
    return out.sort();
  }
}

export class MemoryZk extends EventEmitter implements Coordination {
  readonly hosts = 'memory';
  closed = false;
  /** False between disconnect() and reconnect(). */
  connected = true;
  /** The next create is applied, but its answer is lost with the connection (CONNECTION_LOSS). */
  loseNextAnswer = false;
  readonly sessionTimeoutMs = 10_000;
  private readonly unwatchAll = new Set<() => void>();

  constructor(private readonly ens: MemoryEnsemble, readonly id: number) {
    super();
  }

  get sessionId(): string {
    return this.id.toString(16);
  }

  get connectedServer(): string {
    return this.connected && !this.closed && this.ens.up ? 'memory:2181' : '';
  }

  // ---- test controls ----

  /** The client loses its connection (the session lives on in the ensemble). */
  disconnect(): void {
    this.connected = false;
    this.emit('disconnected');
  }

  reconnect(): void {
    this.connected = true;
    this.emit('connected');
  }

  /** The ensemble ends the session: ephemerals go, and the client hears 'expired'. */
  expire(): void {
    this.ens.dropSession(this.id);
    this.closed = true;
    this.emit('expired');
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.ens.dropSession(this.id);
    }
    for (const u of this.unwatchAll) u();
    return Promise.resolve();
  }

  private check(path: string): void {
    if (this.closed) throw codeError('SESSION_EXPIRED', path);
    if (!this.connected || !this.ens.up) throw codeError('CONNECTION_LOSS', path);
  }

  private parentOf(path: string): string {
    const i = path.lastIndexOf('/');
    return i <= 0 ? '/' : path.slice(0, i);
  }

  // ---- Coordination ----

  async create(path: string, data: string | Buffer = '', mode: NodeMode = 'persistent'): Promise<string> {
    this.check(path);
    const parent = this.ens.nodes.get(this.parentOf(path));
    if (!parent) throw codeError('NO_NODE', path);
    let full = path;
    if (mode.endsWith('sequential')) full = `${path}${String(parent.seq++).padStart(10, '0')}`;
    if (this.ens.nodes.has(full)) throw codeError('NODE_EXISTS', full);
    this.ens.nodes.set(full, { data: Buffer.from(data), owner: mode.startsWith('ephemeral') ? this.id : undefined, seq: 0 });
    this.ens.changed();
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      throw codeError('CONNECTION_LOSS', full);
    }
    return full;
  }

  async mkdirp(path: string): Promise<void> {
    this.check(path);
    const parts = path.split('/').filter(Boolean);
    let p = '';
    for (const part of parts) {
      p += `/${part}`;
      if (!this.ens.nodes.has(p)) this.ens.nodes.set(p, { data: Buffer.alloc(0), seq: 0 });
    }
    this.ens.changed();
  }

  async exists(path: string): Promise<boolean> {
    this.check(path);
    return this.ens.nodes.has(path);
  }

  async getData(path: string): Promise<Buffer | null> {
    this.check(path);
    return this.ens.nodes.get(path)?.data ?? null;
  }

  async ownerOf(path: string): Promise<string | null> {
    this.check(path);
    const n = this.ens.nodes.get(path);
    return n ? (n.owner === undefined ? '' : n.owner.toString(16)) : null;
  }

  async setData(path: string, data: string | Buffer): Promise<number> {
    this.check(path);
    const n = this.ens.nodes.get(path);
    if (!n) throw codeError('NO_NODE', path);
    n.data = Buffer.from(data);
    n.seq++;
    this.ens.changed();
    return n.seq;
  }

  async getChildren(path: string): Promise<string[]> {
    this.check(path);
    return this.ens.children(path) ?? [];
  }

  async remove(path: string): Promise<void> {
    this.check(path);
    if (this.ens.nodes.delete(path)) this.ens.changed();
  }

  watchChildren(path: string, onChange: (children: string[]) => void, onError?: (e: unknown) => void): Unwatch {
    let last: string | undefined;
    const look = (): void => {
      if (this.closed || !this.connected) return;
      const c = this.ens.children(path) ?? [];
      const key = c.join('\0');
      if (key === last) return;
      last = key;
      onChange(c);
    };
    try {
      this.check(path);
    } catch (e) {
      onError?.(e);
    }
    look();
    return this.track(this.ens.onChange(look));
  }

  watchDeleted(path: string, onDeleted: () => void): Unwatch {
    let done = false;
    const look = (): void => {
      if (done || this.closed || !this.connected) return;
      if (!this.ens.nodes.has(path)) {
        done = true;
        onDeleted();
      }
    };
    look();
    return this.track(this.ens.onChange(look));
  }

  private track(off: () => void): Unwatch {
    this.unwatchAll.add(off);
    return () => {
      off();
      this.unwatchAll.delete(off);
    };
  }
}

/** A MemoryZk where a Zk is expected (the parts of Zk cluster code uses). */
export const asZk = (m: MemoryZk): Zk => m as unknown as Zk;
