/**
 * The proxies and visors `juba top` shows beside a cluster's members: what one poll of them
 * yields, and how a poll updates what the screen keeps (rates from the proxies' cumulative
 * counters; peers that stop answering or leave ZooKeeper stay, marked so). Pure: no I/O.
 */
import { memberStats } from '../control/member-stats.js';
import { rate } from './counters.js';

/** One proxy's get_proxy_status, reduced to the numbers top shows. */
export interface ProxySample {
  ipPort: string;
  reachable: boolean;
  error?: string;
  uptimeSec?: number;
  rssKb?: number;
  /** RPCs the proxy received, including every get_proxy_status (ours too). */
  requestCount?: number;
  /** Calls it issued to servers (a broadcast counts each target). */
  forwardCount?: number;
}

export interface ProxyView extends ProxySample {
  requestRate?: number;
  forwardRate?: number;
  lastSeen?: number;
}

/** One visor (juba visor or jubavisor) and what it runs. */
export interface VisorSample {
  ipPort: string;
  reachable: boolean;
  error?: string;
  /** Servers it supervises (undefined: a stock jubavisor, which has no `list`). */
  children?: number;
  /** Of those, the ones serving the cluster on screen. */
  clusterChildren?: number;
}

export const GONE = 'gone from ZooKeeper';

const count = (s: string | undefined): number | undefined => {
  const n = s === undefined || s === '' ? Number.NaN : Number(s);
  return Number.isFinite(n) ? n : undefined;
};

export function proxySampleFromStatus(ipPort: string, s: Record<string, string>): ProxySample {
  const { uptimeSec, rssKb } = memberStats(s);
  return { ipPort, reachable: true, uptimeSec, rssKb, requestCount: count(s.request_count), forwardCount: count(s.forward_count) };
}

/** What was listed before but is missing from this poll's list (it left ZooKeeper): kept, marked gone. */
export function keepGone<T extends { ipPort: string; reachable: boolean; error?: string }>(
  prev: Record<string, T>, next: Record<string, T>, mark: (p: T) => T,
): Record<string, T> {
  for (const [k, p] of Object.entries(prev)) if (!next[k]) next[k] = mark({ ...p, reachable: false, error: p.error ?? GONE });
  return next;
}

export function applyProxies(prev: Record<string, ProxyView>, at: number, samples: ProxySample[]): Record<string, ProxyView> {
  const next: Record<string, ProxyView> = {};
  for (const s of samples) {
    const p = prev[s.ipPort];
    if (!s.reachable) {
      next[s.ipPort] = { ...(p ?? {}), ...s, requestRate: undefined, forwardRate: undefined, lastSeen: p?.lastSeen };
      continue;
    }
    const v: ProxyView = { ...s, lastSeen: at };
    if (p?.reachable && p.lastSeen !== undefined) {
      const d = (at - p.lastSeen) / 1000;
      // Our own get_proxy_status is one of the requests it counted; leave it out.
      v.requestRate = rate(s.requestCount === undefined ? undefined : s.requestCount - 1, p.requestCount, d);
      v.forwardRate = rate(s.forwardCount, p.forwardCount, d);
    }
    next[s.ipPort] = v;
  }
  return keepGone(prev, next, (p) => ({ ...p, requestRate: undefined, forwardRate: undefined }));
}

export function applyVisors(prev: Record<string, VisorSample>, samples: VisorSample[]): Record<string, VisorSample> {
  const next: Record<string, VisorSample> = {};
  for (const s of samples) next[s.ipPort] = s.reachable ? s : { ...(prev[s.ipPort] ?? {}), ...s };
  return keepGone(prev, next, (p) => p);
}

export function peerState(p: { reachable: boolean; error?: string }): string {
  if (p.reachable) return 'up';
  return p.error === GONE ? 'gone' : 'UNREACH';
}
