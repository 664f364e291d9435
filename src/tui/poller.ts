/**
 * Polls the members of one cluster for `juba top`: membership comes from ZooKeeper watches on
 * the cluster's nodes/ and actives/ (re-armed by Zk.watchChildren), and every interval each
 * member's get_status is called concurrently, each call with its own timeout, so one hung
 * server delays nothing. A standalone server (`--server`) is the one-member case.
 */
import { ServiceClient } from '../client/service-client.js';
import * as P from '../cluster/paths.js';
import type { Zk } from '../cluster/zk.js';
import type { ServiceDescriptor } from '../idl/types.js';
import { sampleFromStatus, type MemberSample } from './state.js';

export type PollSource =
  | { kind: 'zk'; zk: Zk; type: string; name: string }
  | { kind: 'server'; host: string; port: number };

export interface PollerOptions {
  source: PollSource;
  desc: ServiceDescriptor;
  intervalMs: number;
  timeoutMs: number;
  onSamples: (at: number, samples: MemberSample[]) => void;
  onZk?: (state: string, server: string) => void;
  onError?: (e: unknown) => void;
}

export const MIN_INTERVAL_MS = 250;
export const clampInterval = (ms: number): number => Math.max(MIN_INTERVAL_MS, Math.floor(ms));

async function statusOf(desc: ServiceDescriptor, ipPort: string, host: string, port: number, name: string, active: boolean, timeoutMs: number): Promise<MemberSample> {
  const c = new ServiceClient(desc, { host, port, name, timeoutMs });
  try {
    const st = await c.getStatus();
    const s = st.get(ipPort) ?? [...st.values()][0] ?? new Map<string, string>();
    return sampleFromStatus(ipPort, active, Object.fromEntries(s));
  } catch (e) {
    return { ipPort, active, reachable: false, error: e instanceof Error ? e.message : String(e) };
  } finally {
    c.close();
  }
}

export class Poller {
  private nodes: string[] = [];
  private actives = new Set<string>();
  private unwatch: Array<() => void> = [];
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private inFlight?: Promise<MemberSample[]>;

  constructor(private readonly o: PollerOptions) {}

  /** Reads membership once (so the first poll sees every member), then watches it. */
  async init(): Promise<void> {
    const s = this.o.source;
    if (s.kind !== 'zk') return;
    this.nodes = await s.zk.getChildren(P.nodes(s.type, s.name));
    this.actives = new Set(await s.zk.getChildren(P.actives(s.type, s.name)));
    const err = (e: unknown): void => this.o.onError?.(e);
    this.unwatch.push(
      s.zk.watchChildren(P.nodes(s.type, s.name), (c) => (this.nodes = c), err),
      s.zk.watchChildren(P.actives(s.type, s.name), (c) => (this.actives = new Set(c)), err),
    );
    const zkState = (): void => this.o.onZk?.(s.zk.connectedServer ? 'connected' : 'disconnected', s.zk.connectedServer);
    for (const ev of ['connected', 'disconnected', 'expired']) s.zk.on(ev, () => (ev === 'expired' ? this.o.onZk?.('expired', '') : zkState()));
    zkState();
  }

  /** One round of get_status; concurrent polls share the round in flight. */
  poll(): Promise<MemberSample[]> {
    this.inFlight ??= this.round().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async round(): Promise<MemberSample[]> {
    const s = this.o.source;
    const { desc, timeoutMs } = this.o;
    let samples: MemberSample[];
    if (s.kind === 'server') {
      const ipPort = P.ipPort(s.host, s.port);
      samples = [await statusOf(desc, ipPort, s.host, s.port, '', true, timeoutMs)];
    } else {
      samples = await Promise.all(this.nodes.map((ip) => {
        const { host, port } = P.parseIpPort(ip);
        return statusOf(desc, ip, host, port, s.name, this.actives.has(ip), timeoutMs);
      }));
    }
    if (!this.stopped) this.o.onSamples(Date.now(), samples);
    return samples;
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
    for (const u of this.unwatch) u();
    this.unwatch = [];
  }
}
