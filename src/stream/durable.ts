/**
 * `juba feed --durable` against a ZooKeeper cluster: routes each message client-side with the
 * cluster's own members and CHT ring (src/cluster/routing.ts, as the proxy does), calls the
 * owning server directly so that it knows who applied it, and watches every such server's MIX
 * progress (src/stream/merge-tracker.ts) until a completed round covers the message.
 */
import { parseIpPort } from '../cluster/paths.js';
import * as P from '../cluster/paths.js';
import { RingSnapshot, routeCall } from '../cluster/routing.js';
import { ClusterSession } from '../cluster/session.js';
import { ServiceClient } from '../client/service-client.js';
import type { MethodDecl, ServiceDescriptor } from '../idl/types.js';
import type { MixTriggers } from './await-budget.js';
import { describeWaits, stallAfterMs } from './durable-note.js';
import { MergeTracker, type Settle } from './merge-tracker.js';

const TICK_MS = 300;

export interface DurableClusterOptions {
  zkHosts: string;
  zkTimeoutMs: number;
  type: string;
  name: string;
  descriptor: ServiceDescriptor;
  method: MethodDecl;
  callTimeoutMs: number;
}

export class DurableCluster {
  readonly tracker: MergeTracker;
  private zk?: ClusterSession;
  private snapshot = new RingSnapshot([], [], new Map());
  private snapshotLoaded?: Promise<void>;
  private markLoaded?: () => void;
  private readonly owners = new Map<string, string>();
  private readonly clients = new Map<string, ServiceClient>();
  private readonly statusClients = new Map<string, ServiceClient>();
  private readonly polling = new Set<string>();
  private readonly baselines = new Map<string, Promise<void>>();
  /** The latest refresh(), which may be reconnecting to ZooKeeper. */
  /** Each answering server's `interval_sec` and `interval_count`. */
  private readonly triggers = new Map<string, { sec: number; count: number }>();
  private timer?: NodeJS.Timeout;
  private closed = false;
  /** The latest ZooKeeper failure, for the progress line; cleared by the next good read. */
  zkFailing: string | null = null;

  constructor(private readonly o: DurableClusterOptions) {
    this.tracker = new MergeTracker(o.zkTimeoutMs);
    this.snapshotLoaded = new Promise((r) => (this.markLoaded = r));
  }

  async start(): Promise<void> {
    this.zk = await ClusterSession.open({ hosts: this.o.zkHosts, sessionTimeoutMs: this.o.zkTimeoutMs });
    await this.refresh();
    this.timer = setInterval(() => void this.tick(), TICK_MS);
  }

  /** Applies one message's arguments on the servers routing picks; returns them. */
  async apply(args: unknown[]): Promise<string[]> {
    await this.snapshotLoaded;
    const targets = await routeCall(this.o.method.routing, this.snapshot, args);
    if (targets.length === 0) throw new Error(`no server found: ${this.o.name}`);
    await Promise.all(targets.map((t) => this.baseline(t)));
    await Promise.all(targets.map((t) => this.client(t, this.clients).call(this.o.method.name, ...args)));
    return targets;
  }

  /**
   * One status answer from `server` before the first message goes there: a drop it reports
   * later is then known to be newer than that message (mix.dropped_at only grows).
   */
  private baseline(server: string): Promise<void> {
    let b = this.baselines.get(server);
    if (!b) {
      this.tracker.watch(server);
      b = this.poll(server).then(() => {
        if (!this.tracker.answered(server)) this.baselines.delete(server);
      });
      this.baselines.set(server, b);
    }
    return b;
  }

  /** Merged once any server that applied it merged it; lost only when every one lost it. */
  awaitMerge(servers: string[], idempotent: boolean): Promise<Settle> {
    return new Promise((resolve) => {
      let lost = 0;
      let done = false;
      for (const s of servers) {
        void this.tracker.wait(s, idempotent).then((r) => {
          if (done) return;
          if (r.kind === 'merged' || ++lost === servers.length) {
            done = true;
            resolve(r);
          }
        });
      }
    });
  }

  /** The cluster's MIX triggers as its servers last reported them (for the --await-merge size). */
  mixTriggers(): MixTriggers {
    let intervalSec = 0;
    let intervalCount = 0;
    for (const t of this.triggers.values()) {
      intervalSec = Math.max(intervalSec, t.sec);
      intervalCount = Math.max(intervalCount, t.count);
    }
    return { intervalSec, intervalCount, members: this.snapshot.activeList.length, reported: this.triggers.size };
  }

  /** What `awaiting` messages (at most `limit`) wait for, for the progress line; '' when nothing to say. */
  waitNote(awaiting: number, limit: number): string {
    const mix = this.mixTriggers();
    return describeWaits({
      awaiting, limit, zkFailing: this.zkFailing, mix,
      stalled: this.tracker.stalled(stallAfterMs(mix)), quietMs: Date.now() - this.tracker.lastMergeAt,
    });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const c of [...this.clients.values(), ...this.statusClients.values()]) c.close();
    // The session also ends a renewal in flight (ZooKeeper restarting), which would keep the
    // process alive after its work is done.
    void this.zk?.close().catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    void this.refresh();
    for (const server of this.tracker.known()) void this.poll(server);
    this.tracker.checkSilent();
  }

  /** Reads `nodes/`, `actives/` and the ring; servers gone from `nodes/` lose their waiting messages. */
  private async refresh(): Promise<void> {
    const zk = this.zk;
    if (!zk) return;
    if (!zk.restored) {
      this.zkFailing = `ZooKeeper session ${zk.state}`;
      return;
    }
    try {
      const [nodes, actives, entries] = await Promise.all([
        zk.getChildren(P.nodes(this.o.type, this.o.name)),
        zk.getChildren(P.actives(this.o.type, this.o.name)),
        zk.getChildren(P.chtDir(this.o.type, this.o.name)),
      ]);
      await Promise.all(entries.filter((e) => !this.owners.has(e)).map(async (e) => {
        const d = await zk.getData(`${P.chtDir(this.o.type, this.o.name)}/${e}`);
        if (d !== null) this.owners.set(e, d.toString('utf8'));
      }));
      const live = new Set(nodes);
      const ring = entries.filter((e) => this.owners.has(e) && live.has(this.owners.get(e)!)).sort();
      this.snapshot = new RingSnapshot(actives.filter((a) => live.has(a)).sort(), ring, this.owners);
      this.tracker.membersAre(live);
      this.zkFailing = null;
      this.markLoaded?.();
    } catch (e) {
      this.zkFailing = (e as Error).message;
    }
  }

  private async poll(server: string): Promise<void> {
    if (this.polling.has(server)) return;
    this.polling.add(server);
    this.tracker.pollStarted(server);
    try {
      const st = await this.client(server, this.statusClients).getStatus();
      const own = [...st.values()][0] ?? new Map<string, string>();
      const p = own.get('mix.participated');
      const num = (k: string): number | undefined => (own.has(k) ? Number(own.get(k)) : undefined);
      this.triggers.set(server, { sec: num('interval_sec') ?? 0, count: num('interval_count') ?? 0 });
      this.tracker.pollAnswered(server, {
        participated: p === undefined ? undefined : Number(p), pid: own.get('pid'),
        updates: num('mix.updates'), mergedThrough: num('mix.merged_through'),
        droppedAt: num('mix.dropped_at'), droppedFrom: num('mix.dropped_from'),
      });
    } catch (e) {
      this.tracker.pollFailed(server);
    } finally {
      this.polling.delete(server);
    }
  }

  private client(server: string, pool: Map<string, ServiceClient>): ServiceClient {
    let c = pool.get(server);
    if (!c) {
      const { host, port } = parseIpPort(server);
      c = new ServiceClient(this.o.descriptor, { host, port, name: this.o.name, timeoutMs: this.o.callTimeoutMs });
      pool.set(server, c);
    }
    return c;
  }
}
