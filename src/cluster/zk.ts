/**
 * A promise wrapper over node-zookeeper-client with the operations Jubatus's coordination
 * uses: persistent mkdirp, ephemeral and sequential nodes, data, children, and watches that
 * re-arm themselves. Session events are surfaced so callers can recover from expiry.
 */
import { EventEmitter } from 'node:events';
import zookeeper, { type Client, type Event } from 'node-zookeeper-client';
import { JubaError } from '../errors.js';

export type NodeMode = 'persistent' | 'ephemeral' | 'ephemeral_sequential' | 'persistent_sequential';

const MODES: Record<NodeMode, number> = {
  persistent: zookeeper.CreateMode.PERSISTENT,
  ephemeral: zookeeper.CreateMode.EPHEMERAL,
  ephemeral_sequential: zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
  persistent_sequential: zookeeper.CreateMode.PERSISTENT_SEQUENTIAL,
};

export interface ZkOptions {
  /** Session timeout in ms (Jubatus: --zookeeper_timeout seconds × 1000). */
  sessionTimeoutMs: number;
  /** How long to wait for the first connection; default = the session timeout. */
  connectTimeoutMs?: number;
}

import { isNoNode, isNodeExists } from './zk-errors.js';

export { isNoNode, isNodeExists, isNotEmpty } from './zk-errors.js';

export type Unwatch = () => void;

/** The error of a request that can no longer be answered, as the library reports an expiry. */
function sessionEnded(): Error {
  const code = zookeeper.Exception.SESSION_EXPIRED;
  return Object.assign(new Error(`Exception: SESSION_EXPIRED[${code}]`), { name: 'SESSION_EXPIRED', getCode: () => code });
}

/**
 * The ZooKeeper operations cluster code needs. A `Zk` is one session; a `ClusterSession`
 * is the same operations over whichever session is current (and re-creates its ephemerals);
 * unit tests use an in-memory tree.
 */
export interface Coordination {
  /** Creates a node; returns its path (with the sequence suffix for sequential modes). */
  create(path: string, data?: string | Buffer, mode?: NodeMode): Promise<string>;
  /** A persistent node and its parents; "already exists" is success. */
  mkdirp(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** Node data, or null when the node does not exist. */
  getData(path: string): Promise<Buffer | null>;
  /** Sets data; resolves with the node's new data version. */
  setData(path: string, data: string | Buffer, version?: number): Promise<number>;
  /** Sorted children, or [] when the node does not exist. */
  getChildren(path: string): Promise<string[]>;
  /** Removes a node; a missing node is not an error. */
  remove(path: string, version?: number): Promise<void>;
  /** `onChange` with the sorted children now and after every change ([] while missing). */
  watchChildren(path: string, onChange: (children: string[]) => void, onError?: (e: unknown) => void): Unwatch;
  /** `onDeleted` once when `path` (which exists now) is deleted. */
  watchDeleted(path: string, onDeleted: () => void): Unwatch;
  /** `host:port` of the ZooKeeper server in use ('' when disconnected). */
  readonly connectedServer: string;
  /** The ensemble as given (`-z`). */
  readonly hosts: string;
  /** The current session's id (hex). */
  readonly sessionId: string;
  /** The session id (hex) owning ephemeral `path`; '' for a persistent node, null when missing. */
  ownerOf(path: string): Promise<string | null>;
}

/**
 * Events: 'expired' (the session is gone: ephemerals vanished; make a new Zk), 'disconnected',
 * 'connected' (also after a reconnect within the same session).
 */
export class Zk extends EventEmitter implements Coordination {
  private closed = false;
  /** The session expired or was closed: no request can be answered any more. */
  private ended = false;
  /** Rejections of the requests not answered yet. */
  private readonly open = new Set<(e: Error) => void>();

  private constructor(
    readonly client: Client,
    readonly hosts: string,
  ) {
    super();
    client.on('connected', () => this.emit('connected'));
    client.on('disconnected', () => !this.closed && this.emit('disconnected'));
    client.on('expired', () => {
      this.failOpenRequests();
      if (!this.closed) this.emit('expired');
    });
  }

  static connect(hosts: string, opts: ZkOptions): Promise<Zk> {
    const client = zookeeper.createClient(hosts, { sessionTimeout: opts.sessionTimeoutMs, spinDelay: 200, retries: 1 });
    const wait = opts.connectTimeoutMs ?? opts.sessionTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        client.close();
        reject(
          new JubaError(`cannot connect zk in ${Math.round(wait / 1000)} sec: ${hosts}`, {
            code: 'unreachable',
            hint: 'check that ZooKeeper runs there (-z host:port[,host:port])',
          }),
        );
      }, wait);
      client.once('connected', () => {
        clearTimeout(timer);
        resolve(new Zk(client, hosts));
      });
      client.connect();
    });
  }

  get sessionId(): string {
    return this.client.getSessionId().toString('hex');
  }

  /** `host:port` of the ZooKeeper server this session is talking to ('' when disconnected). */
  get connectedServer(): string {
    const sock = this.socket();
    return sock && !sock.destroyed && sock.remoteAddress ? `${sock.remoteAddress}:${sock.remotePort}` : '';
  }

  /** The session timeout ZooKeeper granted, ms. */
  get sessionTimeoutMs(): number {
    return this.client.getSessionTimeout();
  }

  get state(): string {
    return String(this.client.getState());
  }

  /**
   * Runs one request. The client library keeps requests made while disconnected until it
   * reconnects, and forgets them if the session then ends: they would never settle. So every
   * request still open when the session expires or is closed here fails with SESSION_EXPIRED.
   */
  private request<T>(start: (settle: (e: unknown, v?: T) => void) => void): Promise<T> {
    if (this.ended) return Promise.reject(sessionEnded());
    return new Promise<T>((resolve, reject) => {
      const abandon = (e: Error): void => reject(e);
      this.open.add(abandon);
      start((e, v) => {
        if (!this.open.delete(abandon)) return;
        if (e) reject(e);
        else resolve(v as T);
      });
    });
  }

  private failOpenRequests(): void {
    this.ended = true;
    const e = sessionEnded();
    for (const abandon of this.open) abandon(e);
    this.open.clear();
  }

  /** Creates a node; returns its path (with the sequence suffix for sequential modes). */
  create(path: string, data: string | Buffer = '', mode: NodeMode = 'persistent'): Promise<string> {
    return this.request((settle) => this.client.create(path, Buffer.from(data), MODES[mode], settle));
  }

  /** A persistent node and its parents; "already exists" is success (as Jubatus treats it). */
  async mkdirp(path: string): Promise<void> {
    await this.request<void>((settle) => this.client.mkdirp(path, (e) => settle(e && !isNodeExists(e) ? e : null)));
  }

  exists(path: string): Promise<boolean> {
    return this.request((settle) => this.client.exists(path, (e, stat) => settle(e, !!stat)));
  }

  /** Node data, or null when the node does not exist. */
  getData(path: string): Promise<Buffer | null> {
    return this.request((settle) =>
      this.client.getData(path, (e, data) => (e ? (isNoNode(e) ? settle(null, null) : settle(e)) : settle(null, data ?? Buffer.alloc(0)))),
    );
  }

  ownerOf(path: string): Promise<string | null> {
    return this.request((settle) => this.client.exists(path, (e, stat) => {
      if (e || !stat) return settle(e, null);
      const owner = (stat as unknown as { ephemeralOwner: Buffer }).ephemeralOwner;
      settle(null, owner.every((b) => b === 0) ? '' : owner.toString('hex'));
    }));
  }

  /** Sets data; resolves with the node's new data version. */
  setData(path: string, data: string | Buffer, version = -1): Promise<number> {
    return this.request((settle) => this.client.setData(path, Buffer.from(data), version, (e, stat) => settle(e, e ? undefined : stat.version)));
  }

  /** Sorted children, or [] when the node does not exist. */
  getChildren(path: string): Promise<string[]> {
    return this.request((settle) =>
      this.client.getChildren(path, (e, children) => (e ? (isNoNode(e) ? settle(null, []) : settle(e)) : settle(null, [...children].sort()))),
    );
  }

  /** Removes a node; a missing node is not an error. */
  remove(path: string, version = -1): Promise<void> {
    return this.request((settle) => this.client.remove(path, version, (e) => settle(e && !isNoNode(e) ? e : null)));
  }

  /**
   * Calls `onChange` with the sorted children now and after every change, re-arming the
   * one-shot ZooKeeper watch each time. A missing node reports [] and waits for it to appear.
   */
  watchChildren(path: string, onChange: (children: string[]) => void, onError?: (e: unknown) => void): Unwatch {
    let active = true;
    const arm = (): void => {
      if (!active || this.closed) return;
      this.client.getChildren(
        path,
        () => arm(),
        (e, children) => {
          if (!active) return;
          if (e && isNoNode(e)) {
            onChange([]);
            this.client.exists(path, () => arm(), (e2, stat) => {
              if (e2) onError?.(e2);
              else if (stat) arm();
            });
            return;
          }
          if (e) return onError?.(e);
          onChange([...children].sort());
        },
      );
    };
    arm();
    return () => {
      active = false;
    };
  }

  /** Calls `onDeleted` once when `path` is deleted (it must exist when called). */
  watchDeleted(path: string, onDeleted: () => void): Unwatch {
    let active = true;
    const arm = (): void => {
      if (!active || this.closed) return;
      this.client.exists(
        path,
        (ev: Event) => {
          if (ev.getType() === zookeeper.Event.NODE_DELETED) {
            if (active) onDeleted();
          } else arm();
        },
        (e, stat) => {
          if (!e && !stat && active) onDeleted();
        },
      );
    };
    arm();
    return () => {
      active = false;
    };
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.failOpenRequests();
    const connected = this.connectedServer !== '';
    return new Promise((resolve) => {
      const end = (): void => {
        clearTimeout(t);
        // The library, closed while it reconnects, takes the server's connect answer for a
        // reply and keeps that socket open for good (the process never exits): end it here.
        this.socket()?.destroy();
        resolve();
      };
      // Connected, ZooKeeper answers the close (the session and its ephemerals end at once);
      // otherwise there is no one to wait for.
      const t = setTimeout(end, connected ? 2000 : 0);
      this.client.once('disconnected', end);
      this.client.close();
    });
  }

  /** The library's current socket to ZooKeeper (not part of its public API). */
  private socket(): { remoteAddress?: string; remotePort?: number; destroyed?: boolean; destroy(): void } | undefined {
    return (this.client as unknown as { connectionManager?: { socket?: ReturnType<Zk['socket']> } }).connectionManager?.socket;
  }
}
