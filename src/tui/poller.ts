/**
 * Polls what `juba top` shows: membership (the cluster's nodes/ and actives/, the engine's
 * proxies, the visors) comes from ZooKeeper watches, set again on every new session; every
 * interval each member's get_status, each proxy's get_proxy_status and each visor's `list`
 * are called concurrently, each call with its own timeout, so one hung peer delays nothing.
 * A standalone server (`--server`) is the one-member case without ZooKeeper.
 */
import type { ServiceClient, StatusMap } from '../client/service-client.js';
import { listActives, listNodes, listProxies, listSupervisors } from '../cluster/membership.js';
import * as P from '../cluster/paths.js';
import type { Coordination, Unwatch } from '../cluster/zk.js';
import { callMember, ownStatus } from '../control/cluster-control.js';
import { listVisorChildren } from '../control/visor-control.js';
import { JubaError } from '../errors.js';
import type { ServiceDescriptor } from '../idl/types.js';
import { proxySampleFromStatus, type ProxySample, type VisorSample } from './peers.js';
import { sampleFromStatus, type MemberSample } from './state.js';
import type { ClusterSession, SessionEvent } from '../cluster/session.js';

export type PollSource =
  | { kind: 'zk'; session: ClusterSession; type: string; name: string }
  | { kind: 'server'; host: string; port: number };

export interface PollRound {
  at: number;
  samples: MemberSample[];
  /** Absent for --server (nothing to list them from). */
  proxies?: ProxySample[];
  visors?: VisorSample[];
}

export interface PollerOptions {
  source: PollSource;
  desc: ServiceDescriptor;
  /** The status keys that give a member's model size (the engine's preset). */
  sizeKeys?: readonly string[];
  intervalMs: number;
  timeoutMs: number;
  onPoll: (round: PollRound) => void;
  onZk?: (e: SessionEvent) => void;
  /** Errors that do not stop the view (a watch that failed; it is set again on reconnect). */
  onError?: (e: unknown) => void;
}

export const MIN_INTERVAL_MS = 250;
export const clampInterval = (ms: number): number => Math.max(MIN_INTERVAL_MS, Math.floor(ms));

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** One status call on a fresh client; the status of `ipPort` (or the only one in the map). */
async function statusMap(desc: ServiceDescriptor, ipPort: string, name: string, timeoutMs: number,
  call: (c: ServiceClient) => Promise<StatusMap>): Promise<Record<string, string>> {
  return ownStatus(await callMember(desc, ipPort, name, timeoutMs, call), ipPort);
}

function memberSample(desc: ServiceDescriptor, ipPort: string, name: string, active: boolean, timeoutMs: number,
  sizeKeys?: readonly string[]): Promise<MemberSample> {
  return statusMap(desc, ipPort, name, timeoutMs, (c) => c.getStatus()).then(
    (s) => sampleFromStatus(ipPort, active, s, sizeKeys),
    (e) => ({ ipPort, active, reachable: false, error: message(e) }),
  );
}

function proxySample(desc: ServiceDescriptor, ipPort: string, timeoutMs: number): Promise<ProxySample> {
  return statusMap(desc, ipPort, '', timeoutMs, (c) => c.getProxyStatus()).then(
    (s) => proxySampleFromStatus(ipPort, s),
    (e) => ({ ipPort, reachable: false, error: message(e) }),
  );
}

async function visorSample(ipPort: string, cluster: string, timeoutMs: number): Promise<VisorSample> {
  const r = await listVisorChildren(ipPort, timeoutMs);
  // A stock jubavisor answers, but has no `list`.
  if (r.error) return /^unknown method/.test(r.error) ? { ipPort, reachable: true } : { ipPort, reachable: false, error: r.error };
  const children = r.children ?? [];
  return { ipPort, reachable: true, children: children.length, clusterChildren: children.filter((c) => c.key.endsWith(`/${cluster}`)).length };
}

export class Poller {
  private nodes: string[] = [];
  private actives = new Set<string>();
  private proxies: string[] = [];
  private visors: string[] = [];
  private watches: Unwatch[] = [];
  private unsubscribe: Array<() => void> = [];
  /** A watch failed: set them all again when the session is back. */
  private broken = false;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private inFlight?: Promise<PollRound>;

  constructor(private readonly o: PollerOptions) {}

  /** Reads membership once (so the first poll sees everyone), then watches it; rejects when it cannot. */
  async init(): Promise<void> {
    const s = this.o.source;
    if (s.kind !== 'zk') return;
    try {
      await this.watch(s.session);
    } catch (e) {
      throw new JubaError(`cannot read the members of ${s.type}/${s.name} from ZooKeeper: ${message(e)}`, {
        code: 'failed',
        hint: `check that this client may read ${P.actor(s.type, s.name)} (ZooKeeper ACLs) and that the ensemble is healthy`,
      });
    }
    // The session sets the watches again itself after a reconnect or a new session; a watch
    // that failed is set again here once the session is back.
    this.unsubscribe.push(
      s.session.onState((e) => {
        this.o.onZk?.(e);
        if (e.state === 'connected' && this.broken) void this.rewatch(s.session);
      }),
    );
  }

  private async watch(zk: Coordination): Promise<void> {
    const s = this.o.source;
    if (s.kind !== 'zk') return;
    const [nodes, actives, proxies, visors] = await Promise.all([
      listNodes(zk, s.type, s.name), listActives(zk, s.type, s.name), listProxies(zk, s.type), listSupervisors(zk),
    ]);
    if (this.stopped) return;
    this.nodes = nodes;
    this.actives = new Set(actives);
    this.proxies = proxies;
    this.visors = visors;
    this.broken = false;
    for (const u of this.watches) u();
    const err = (e: unknown): void => {
      this.broken = true;
      this.o.onError?.(e);
    };
    this.watches = [
      zk.watchChildren(P.nodes(s.type, s.name), (c) => (this.nodes = c), err),
      zk.watchChildren(P.actives(s.type, s.name), (c) => (this.actives = new Set(c)), err),
      zk.watchChildren(P.proxiesOf(s.type), (c) => (this.proxies = c), err),
      zk.watchChildren(P.SUPERVISORS, (c) => (this.visors = c), err),
    ];
  }

  /** Watches again after a failure; until it works the last known lists stay in use. */
  private async rewatch(zk: Coordination): Promise<void> {
    try {
      await this.watch(zk);
    } catch (e) {
      this.broken = true;
      this.o.onError?.(e);
    }
  }

  /** One round of polls; concurrent calls share the round in flight. */
  poll(): Promise<PollRound> {
    this.inFlight ??= this.round().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async round(): Promise<PollRound> {
    const s = this.o.source;
    const { desc, timeoutMs, sizeKeys } = this.o;
    let r: Omit<PollRound, 'at'>;
    if (s.kind === 'server') {
      r = { samples: [await memberSample(desc, P.ipPort(s.host, s.port), '', true, timeoutMs, sizeKeys)] };
    } else {
      const [samples, proxies, visors] = await Promise.all([
        Promise.all(this.nodes.map((ip) => memberSample(desc, ip, s.name, this.actives.has(ip), timeoutMs, sizeKeys))),
        Promise.all(this.proxies.map((ip) => proxySample(desc, ip, timeoutMs))),
        Promise.all(this.visors.map((ip) => visorSample(ip, s.name, timeoutMs))),
      ]);
      r = { samples, proxies, visors };
    }
    const round = { at: Date.now(), ...r };
    if (!this.stopped) this.o.onPoll(round);
    return round;
  }

  /** Polls now and then every interval until stop(). */
  start(): void {
    const tick = (): void => {
      if (this.stopped) return;
      this.poll()
        .catch((e) => this.o.onError?.(e))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.o.intervalMs);
        });
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const u of [...this.watches, ...this.unsubscribe]) u();
    this.watches = [];
    this.unsubscribe = [];
  }
}
