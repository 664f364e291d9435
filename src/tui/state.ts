/**
 * The state of `juba top` as a pure reducer: polled get_status samples become rates (by
 * differencing cumulative counters between polls), MIX events (when a member's `mix.rounds`
 * or `mix.last_time` moves), rolling chart history, and the view's sort/filter/selection.
 * No I/O here, so every rule is unit-testable.
 */
import { memberStats, type MemberStats } from '../control/member-stats.js';

/** One member's get_status, reduced to the numbers top shows. */
export interface MemberSample extends MemberStats {
  ipPort: string;
  active: boolean;
  reachable: boolean;
  error?: string;
}

export interface MemberView extends MemberSample {
  updateRate?: number;
  analyzeRate?: number;
  /** Mean latency of the calls served since the previous poll, in ms. */
  meanLatencyMs?: number;
  /** Epoch ms of the last answer. */
  lastSeen?: number;
}

export interface MixEvent {
  /** Epoch ms when the MIX happened (from mix.last_time, else when it was noticed). */
  at: number;
  ipPort: string;
  round?: number;
  durationMs?: number;
  members?: number;
  bytes?: number;
}

export type SortKey = 'ipPort' | 'rows' | 'updateRate' | 'analyzeRate' | 'meanLatencyMs' | 'rssKb' | 'uptimeSec' | 'mixRounds';
export const SORT_KEYS: SortKey[] = ['ipPort', 'rows', 'updateRate', 'analyzeRate', 'meanLatencyMs', 'rssKb', 'uptimeSec', 'mixRounds'];
export type Pane = 'members' | 'events';

export interface TopState {
  source: string;
  cluster: string;
  intervalMs: number;
  zk: { state: string; server: string };
  members: Record<string, MemberView>;
  order: string[];
  events: MixEvent[];
  history: { update: number[]; analyze: number[] };
  polls: number;
  lastPollAt?: number;
  sort: { key: SortKey; desc: boolean };
  filter: string;
  editingFilter: boolean;
  selected: number;
  paused: boolean;
  pane: Pane;
  help: boolean;
}

export const HISTORY = 60;
export const MAX_EVENTS = 50;

export type Action =
  | { type: 'poll'; at: number; samples: MemberSample[] }
  | { type: 'zk'; state: string; server: string }
  | { type: 'sort'; key?: SortKey; reverse?: boolean }
  | { type: 'filter'; text: string; editing: boolean }
  | { type: 'select'; delta: number }
  | { type: 'pause' }
  | { type: 'pane' }
  | { type: 'help' };

export function initialState(opts: { source: string; cluster: string; intervalMs: number }): TopState {
  return {
    ...opts,
    zk: { state: 'n/a', server: '' },
    members: {},
    order: [],
    events: [],
    history: { update: [], analyze: [] },
    polls: 0,
    sort: { key: 'ipPort', desc: false },
    filter: '',
    editingFilter: false,
    selected: 0,
    paused: false,
    pane: 'members',
    help: false,
  };
}

/** A get_status map (one server's keys) → a sample. */
export function sampleFromStatus(ipPort: string, active: boolean, s: Record<string, string>): MemberSample {
  return { ipPort, active, reachable: true, ...memberStats(s) };
}

/** (cur − prev) / dt, or undefined when either is missing or the counter went back (restart). */
function rate(cur: number | undefined, prev: number | undefined, dtSec: number): number | undefined {
  if (cur === undefined || prev === undefined || dtSec <= 0 || cur < prev) return undefined;
  return (cur - prev) / dtSec;
}

function latency(s: MemberSample, p: MemberSample): number | undefined {
  const dn = (s.updateCount ?? 0) - (p.updateCount ?? 0) + (s.analysisCount ?? 0) - (p.analysisCount ?? 0);
  const du = (s.updateUsec ?? 0) - (p.updateUsec ?? 0) + (s.analysisUsec ?? 0) - (p.analysisUsec ?? 0);
  return dn > 0 && du >= 0 ? du / dn / 1000 : undefined;
}

function mixEvent(s: MemberSample, p: MemberView, at: number): MixEvent | undefined {
  const rounds = s.mixRounds !== undefined && p.mixRounds !== undefined && s.mixRounds > p.mixRounds;
  const time = !!s.mixLastTime && s.mixLastTime !== p.mixLastTime;
  if (!rounds && !time) return undefined;
  return {
    at: s.mixLastTime ? s.mixLastTime * 1000 : at,
    ipPort: s.ipPort,
    round: s.mixRounds,
    durationMs: s.mixLastDurationMs,
    members: s.mixLastMembers,
    bytes: s.mixLastBytes,
  };
}

function applyPoll(st: TopState, at: number, samples: MemberSample[]): TopState {
  const members: Record<string, MemberView> = {};
  const events: MixEvent[] = [];
  const dt = st.lastPollAt === undefined ? 0 : (at - st.lastPollAt) / 1000;
  for (const s of samples) {
    const p = st.members[s.ipPort];
    if (!s.reachable) {
      // Keep what we knew (rows, last MIX…) and mark it unreachable.
      members[s.ipPort] = { ...(p ?? {}), ...s, updateRate: undefined, analyzeRate: undefined, meanLatencyMs: undefined, lastSeen: p?.lastSeen };
      continue;
    }
    const v: MemberView = { ...s, lastSeen: at };
    if (p?.reachable && p.lastSeen !== undefined) {
      const d = (at - p.lastSeen) / 1000;
      v.updateRate = rate(s.updateCount, p.updateCount, d);
      v.analyzeRate = rate(s.analysisCount, p.analysisCount, d);
      v.meanLatencyMs = latency(s, p);
    }
    if (p) {
      const ev = mixEvent(s, p, at);
      if (ev) events.push(ev);
    }
    members[s.ipPort] = v;
  }
  // Members that left ZooKeeper (their ephemeral node died with them) stay, marked unreachable.
  for (const [ip, p] of Object.entries(st.members)) {
    if (!members[ip]) {
      members[ip] = { ...p, reachable: false, active: false, error: p.error ?? 'gone from ZooKeeper', updateRate: undefined, analyzeRate: undefined, meanLatencyMs: undefined };
    }
  }
  const next = { ...st, members, order: Object.keys(members).sort(), polls: st.polls + 1, lastPollAt: at };
  next.events = [...events.sort((a, b) => a.at - b.at), ...st.events].slice(0, MAX_EVENTS);
  if (dt > 0) {
    const t = totals(next);
    const push = (h: number[], x: number | undefined): number[] => [...h, x ?? Number.NaN].slice(-HISTORY);
    next.history = { update: push(st.history.update, t.updateRate), analyze: push(st.history.analyze, t.analyzeRate) };
  }
  return clampSelection(next);
}

function clampSelection(st: TopState): TopState {
  const n = visibleMembers(st).length;
  const selected = Math.max(0, Math.min(st.selected, n - 1));
  return selected === st.selected ? st : { ...st, selected };
}

export function reducer(st: TopState, a: Action): TopState {
  switch (a.type) {
    case 'poll':
      return st.paused ? st : applyPoll(st, a.at, a.samples);
    case 'zk':
      return { ...st, zk: { state: a.state, server: a.server } };
    case 'sort': {
      const key = a.key ?? SORT_KEYS[(SORT_KEYS.indexOf(st.sort.key) + 1) % SORT_KEYS.length]!;
      // Numbers read best largest-first; names alphabetically.
      const desc = a.reverse ? !st.sort.desc : a.key === undefined ? key !== 'ipPort' : st.sort.desc;
      return { ...st, sort: { key, desc } };
    }
    case 'filter':
      return clampSelection({ ...st, filter: a.text, editingFilter: a.editing });
    case 'select':
      return clampSelection({ ...st, selected: Math.max(0, st.selected + a.delta) });
    case 'pause':
      return { ...st, paused: !st.paused };
    case 'pane':
      return { ...st, pane: st.pane === 'members' ? 'events' : 'members' };
    case 'help':
      return { ...st, help: !st.help };
  }
}

/** The members table rows: filtered by substring of ip_port, then sorted (missing values last). */
export function visibleMembers(st: TopState): MemberView[] {
  const f = st.filter.toLowerCase();
  const list = st.order.map((k) => st.members[k]!).filter((m) => !f || m.ipPort.toLowerCase().includes(f));
  const { key, desc } = st.sort;
  return list.sort((a, b) => {
    const x = a[key];
    const y = b[key];
    if (x === y) return a.ipPort.localeCompare(b.ipPort);
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    const c = typeof x === 'string' ? x.localeCompare(String(y)) : (x as number) - (y as number);
    return desc ? -c : c;
  });
}

export interface Totals {
  members: number;
  reachable: number;
  rows: number;
  updateRate?: number;
  analyzeRate?: number;
}

export function totals(st: TopState): Totals {
  const ms = Object.values(st.members);
  const sum = (k: 'updateRate' | 'analyzeRate'): number | undefined => {
    const xs = ms.map((m) => m[k]).filter((x): x is number => x !== undefined);
    return xs.length ? xs.reduce((a, b) => a + b, 0) : undefined;
  };
  return {
    members: ms.length,
    reachable: ms.filter((m) => m.reachable).length,
    rows: ms.reduce((a, m) => a + (m.rows ?? 0), 0),
    updateRate: sum('updateRate'),
    analyzeRate: sum('analyzeRate'),
  };
}

/** What --json prints. */
export function snapshot(st: TopState, now = Date.now()): {
  source: string; cluster: string; intervalMs: number; polls: number; zk: TopState['zk'];
  totals: Totals; members: Array<MemberView & { secondsSinceMix?: number }>; events: MixEvent[];
} {
  return {
    source: st.source, cluster: st.cluster, intervalMs: st.intervalMs, polls: st.polls, zk: st.zk,
    totals: totals(st),
    members: visibleMembers(st).map((m) => ({ ...m, secondsSinceMix: sinceMix(m, now) })),
    events: st.events,
  };
}

export function sinceMix(m: MemberSample, now = Date.now()): number | undefined {
  return m.mixLastTime ? Math.max(0, Math.round(now / 1000 - m.mixLastTime)) : undefined;
}
