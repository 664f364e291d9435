/**
 * The proxy's view of each cluster's members, as Jubatus's cached_zk keeps it (framework spec
 * §3.5): `actives/` and the CHT ring (entry names and each entry's owner) are read once, then
 * kept current by ZooKeeper watches, so routing a call never costs a ZooKeeper round trip.
 */
import * as P from '../cluster/paths.js';
import { findOnRing } from '../cluster/cht.js';
import type { Coordination, Unwatch } from '../cluster/zk.js';
import type { Logger } from '../logger.js';

/** Clusters nobody has called for this long are forgotten (clients may name any cluster). */
const CLUSTER_IDLE_MS = 10 * 60_000;

/** A value that is loading until the first watch event, then always the latest one. */
class Latest<T> {
  private value?: T;
  private waiters: Array<{ resolve(v: T): void; reject(e: unknown): void }> = [];
  private failure?: unknown;

  set(v: T): void {
    this.value = v;
    for (const w of this.waiters.splice(0)) w.resolve(v);
  }

  /** A failure before the first value fails the waiting calls; later ones keep the last value. */
  fail(e: unknown): void {
    if (this.value !== undefined) return;
    this.failure = e;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  /** The value now, undefined while loading. */
  peek(): T | undefined {
    return this.value;
  }

  get(): Promise<T> {
    if (this.value !== undefined) return Promise.resolve(this.value);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }
}

interface Ring {
  entries: string[];
  owners: Map<string, string>;
}

/** One cluster's actives and ring, watched on one ZooKeeper session. */
export class ClusterMembers {
  lastUsed = Date.now();
  /** Set when a watch broke: the cache may go stale, so the next call builds a fresh one. */
  broken = false;
  private readonly activesList = new Latest<string[]>();
  private readonly ring = new Latest<Ring>();
  private readonly unwatch: Unwatch[] = [];
  private readonly ringPath: string;
  /** The last published ring, read synchronously (the first load has nothing to await). */
  private ringNow?: Ring;
  private ringGeneration = 0;

  constructor(
    private readonly zk: Coordination,
    type: string,
    readonly name: string,
    watchRing: boolean,
    private readonly logger: Logger,
  ) {
    this.ringPath = P.chtDir(type, name);
    this.unwatch.push(
      zk.watchChildren(P.actives(type, name), (children) => this.activesList.set(children), (e) => this.onWatchError(e, 'actives', this.activesList)),
    );
    if (watchRing) {
      this.unwatch.push(
        zk.watchChildren(this.ringPath, (entries) => void this.loadRing(entries), (e) => this.onWatchError(e, 'cht', this.ring)),
      );
    } else this.ring.set({ entries: [], owners: new Map() });
  }

  /** How many servers `actives/` lists now (0 while loading); read by /metrics. */
  get activeCount(): number {
    return this.activesList.peek()?.length ?? 0;
  }

  /** The sorted ip_ports in `actives/`. */
  actives(): Promise<string[]> {
    this.lastUsed = Date.now();
    return this.activesList.get();
  }

  /** The `n` distinct servers the ring assigns to `key` (fewer when the ring has fewer). */
  async chtOwners(key: string, n: number): Promise<string[]> {
    this.lastUsed = Date.now();
    const ring = await this.ring.get();
    return findOnRing(ring.entries, (e) => ring.owners.get(e), key, n);
  }

  close(): void {
    for (const u of this.unwatch) u();
  }

  private onWatchError(e: unknown, what: string, target: Latest<unknown>): void {
    this.broken = true;
    this.logger.warn({ cluster: this.name, list: what, err: (e as Error)?.message ?? String(e) }, 'ZooKeeper watch failed; the member cache will be rebuilt');
    target.fail(e);
  }

  /**
   * Entry data never changes (an entry's name is the md5 of its owner), so only entries new
   * since the last event are read. Events may overlap; only the newest one publishes.
   */
  private async loadRing(entries: string[]): Promise<void> {
    const generation = ++this.ringGeneration;
    const previous = this.ringNow;
    const owners = new Map<string, string>();
    try {
      await Promise.all(
        entries.map(async (entry) => {
          const known = previous?.owners.get(entry);
          if (known !== undefined) return void owners.set(entry, known);
          const data = await this.zk.getData(`${this.ringPath}/${entry}`);
          // A vanished entry is dropped; the children watch reports its removal next.
          if (data !== null) owners.set(entry, data.toString('utf8'));
        }),
      );
    } catch (e) {
      if (generation === this.ringGeneration) this.onWatchError(e, 'cht', this.ring);
      return;
    }
    if (generation !== this.ringGeneration) return;
    this.ringNow = { entries: entries.filter((e) => owners.has(e)), owners };
    this.ring.set(this.ringNow);
  }
}

/** Every cluster of one engine type the proxy has been asked about, on the current session. */
export class MemberCache {
  private readonly clusters = new Map<string, ClusterMembers>();

  constructor(
    private readonly zk: Coordination,
    private readonly type: string,
    private readonly watchRing: boolean,
    private readonly logger: Logger,
  ) {}

  cluster(name: string): ClusterMembers {
    let c = this.clusters.get(name);
    if (!c || c.broken) {
      c?.close();
      c = new ClusterMembers(this.zk, this.type, name, this.watchRing, this.logger);
      this.clusters.set(name, c);
    }
    return c;
  }

  /** Forgets clusters unused for a while, so arbitrary names cannot grow the cache forever. */
  sweep(now = Date.now()): void {
    for (const [name, c] of this.clusters) {
      if (now - c.lastUsed > CLUSTER_IDLE_MS) {
        c.close();
        this.clusters.delete(name);
      }
    }
  }

  /** Each cached cluster's name and current member count. */
  *memberCounts(): IterableIterator<[string, number]> {
    for (const [name, c] of this.clusters) yield [name, c.activeCount];
  }

  get size(): number {
    return this.clusters.size;
  }

  close(): void {
    for (const c of this.clusters.values()) c.close();
    this.clusters.clear();
  }
}
