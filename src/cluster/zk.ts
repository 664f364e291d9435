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

/**
 * Events: 'expired' (the session is gone: ephemerals vanished; make a new Zk), 'disconnected',
 * 'connected' (also after a reconnect within the same session).
 */
export class Zk extends EventEmitter {
  private closed = false;

  private constructor(
    readonly client: Client,
    readonly hosts: string,
  ) {
    super();
    client.on('connected', () => this.emit('connected'));
    client.on('disconnected', () => !this.closed && this.emit('disconnected'));
    client.on('expired', () => !this.closed && this.emit('expired'));
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
    const sock = (this.client as unknown as { connectionManager?: { socket?: { remoteAddress?: string; remotePort?: number; destroyed?: boolean } } })
      .connectionManager?.socket;
    return sock && !sock.destroyed && sock.remoteAddress ? `${sock.remoteAddress}:${sock.remotePort}` : '';
  }

  get state(): string {
    return String(this.client.getState());
  }

  /** Creates a node; returns its path (with the sequence suffix for sequential modes). */
  create(path: string, data: string | Buffer = '', mode: NodeMode = 'persistent'): Promise<string> {
    return new Promise((resolve, reject) =>
      this.client.create(path, Buffer.from(data), MODES[mode], (e, p) => (e ? reject(e) : resolve(p))),
    );
  }

  /** A persistent node and its parents; "already exists" is success (as Jubatus treats it). */
  async mkdirp(path: string): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.client.mkdirp(path, (e) => (e && !isNodeExists(e) ? reject(e) : resolve())),
    );
  }

  async exists(path: string): Promise<boolean> {
    return new Promise((resolve, reject) => this.client.exists(path, (e, stat) => (e ? reject(e) : resolve(!!stat))));
  }

  /** Node data, or null when the node does not exist. */
  getData(path: string): Promise<Buffer | null> {
    return new Promise((resolve, reject) =>
      this.client.getData(path, (e, data) => {
        if (e) return isNoNode(e) ? resolve(null) : reject(e);
        resolve(data ?? Buffer.alloc(0));
      }),
    );
  }

  /** Sets data; resolves with the node's new data version. */
  setData(path: string, data: string | Buffer, version = -1): Promise<number> {
    return new Promise((resolve, reject) =>
      this.client.setData(path, Buffer.from(data), version, (e, stat) => (e ? reject(e) : resolve(stat.version))),
    );
  }

  /** Sorted children, or [] when the node does not exist. */
  getChildren(path: string): Promise<string[]> {
    return new Promise((resolve, reject) =>
      this.client.getChildren(path, (e, children) => {
        if (e) return isNoNode(e) ? resolve([]) : reject(e);
        resolve([...children].sort());
      }),
    );
  }

  /** Removes a node; a missing node is not an error. */
  remove(path: string, version = -1): Promise<void> {
    return new Promise((resolve, reject) =>
      this.client.remove(path, version, (e) => (e && !isNoNode(e) ? reject(e) : resolve())),
    );
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
    return new Promise((resolve) => {
      const t = setTimeout(resolve, 2000);
      this.client.once('disconnected', () => {
        clearTimeout(t);
        resolve();
      });
      this.client.close();
    });
  }
}
