/**
 * The state of `juba top` as a pure reducer: polled get_status samples become rates (by
 * differencing cumulative counters between polls), MIX events (when a member's `mix.rounds`
 * or `mix.last_time` moves), rolling chart history (the cluster's and each member's), the
 * proxies and visors, the ZooKeeper session's state, and the view's sort/filter/selection/scroll.
 * No I/O here, so every rule is unit-testable.
 */
import type { SessionStateName } from '../cluster/session.js';
import { DEFAULT_SIZE, memberStats, type MemberStats } from '../control/member-stats.js';
import { pushPoint, rate } from './counters.js';
import { applyProxies, applyVisors, keepGone, type ProxySample, type ProxyView, type VisorSample } from './peers.js';

export { HISTORY } from './counters.js';

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

export interface Series {
  update: number[];
  analyze: number[];
}

/**
 * The session's state (cluster/session.ts): connected; disconnected (the client retries within
 * the same session); expired (the session is gone); reconnecting (opening a new session, with
 * backoff); closed. 'n/a' for --server.
 */
export type ZkState = 'n/a' | SessionStateName;

export interface ZkStatus {
  state: ZkState;
  server: string;
  /** Sessions opened so far (more than one after an expiry). */
  sessions: number;
  /** Attempt number while reconnecting. */
  attempt?: number;
  /** Why the last attempt (or a watch) failed. */
  error?: string;
  /** Epoch ms of the last change of state: the members shown are ZooKeeper's as of then when not connected. */
  since?: number;
}

export interface TopState {
  source: string;
  cluster: string;
  intervalMs: number;
  /** What the members' size column measures (the engine's preset: ROWS, LABELS, …). */
  sizeLabel: string;
  zk: ZkStatus;
  members: Record<string, MemberView>;
  order: string[];
  /** undefined: not watched (--server). */
  proxies?: Record<string, ProxyView>;
  visors?: Record<string, VisorSample>;
  events: MixEvent[];
  /** Index of the first MIX event shown (0 = newest). */
  eventsScroll: number;
  history: Series;
  memberHistory: Record<string, Series>;
  polls: number;
  lastPollAt?: number;
  sort: { key: SortKey; desc: boolean };
  filter: string;
  editingFilter: boolean;
  selected: number;
  paused: boolean;
  pane: Pane;
  help: boolean;
  /** The last error that did not stop the view (e.g. a ZooKeeper watch that failed). */
  notice?: { at: number; text: string };
}

export const MAX_EVENTS = 200;

export type Action =
  | { type: 'poll'; at: number; samples: MemberSample[]; proxies?: ProxySample[]; visors?: VisorSample[] }
  | { type: 'zk'; at: number; state: ZkState; server: string; sessions: number; attempt?: number; error?: string }
  | { type: 'scroll'; delta: number }
  | { type: 'notice'; at: number; text: string }
  /** No key: the next column; reverse: flip the order of the current (or given) column. */
  | { type: 'sort'; key?: SortKey; reverse?: boolean }
  /** Relative edits, so keys typed faster than the screen redraws all count. */
  | { type: 'filter'; op: 'start' | 'commit' | 'clear' | 'backspace' }
  | { type: 'filter'; op: 'type'; text: string }
  | { type: 'select'; delta: number }
  | { type: 'pause' }
  | { type: 'pane' }
  | { type: 'help' };

export function initialState(opts: { source: string; cluster: string; intervalMs: number; sizeLabel?: string }): TopState {
  return {
    sizeLabel: DEFAULT_SIZE.label,
    ...opts,
    zk: { state: 'n/a', server: '', sessions: 0 },
    members: {},
    order: [],
    events: [],
    eventsScroll: 0,
    history: { update: [], analyze: [] },
    memberHistory: {},
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
export function sampleFromStatus(ipPort: string, active: boolean, s: Record<string, string>, sizeKeys?: readonly string[]): MemberSample {
  return { ipPort, active, reachable: true, ...memberStats(s, sizeKeys) };
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

function applyPoll(st: TopState, a: Extract<Action, { type: 'poll' }>): TopState {
  const { at, samples } = a;
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
  // Members that left ZooKeeper (their ephemeral node died with them) stay, marked gone.
  keepGone(st.members, members, (p) => ({ ...p, active: false, updateRate: undefined, analyzeRate: undefined, meanLatencyMs: undefined }));
  const next: TopState = { ...st, members, order: Object.keys(members).sort(), polls: st.polls + 1, lastPollAt: at };
  if (a.proxies) next.proxies = applyProxies(st.proxies ?? {}, at, a.proxies);
  if (a.visors) next.visors = applyVisors(st.visors ?? {}, a.visors);
  next.events = [...events.sort((x, y) => y.at - x.at), ...st.events].slice(0, MAX_EVENTS);
  // Scrolled back: keep the same events in view as new ones arrive on top.
  if (st.eventsScroll > 0) next.eventsScroll = Math.min(st.eventsScroll + events.length, Math.max(0, next.events.length - 1));
  if (dt > 0) {
    const t = totals(next);
    next.history = { update: pushPoint(st.history.update, t.updateRate), analyze: pushPoint(st.history.analyze, t.analyzeRate) };
    const mh: Record<string, Series> = {};
    for (const [ip, m] of Object.entries(members)) {
      const h = st.memberHistory[ip] ?? { update: [], analyze: [] };
      mh[ip] = { update: pushPoint(h.update, m.updateRate), analyze: pushPoint(h.analyze, m.analyzeRate) };
    }
    next.memberHistory = mh;
  }
  return clampSelection(next);
}

function applyZk(st: TopState, a: Extract<Action, { type: 'zk' }>): TopState {
  const prev = st.zk;
  return {
    ...st,
    zk: {
      state: a.state,
      server: a.server,
      sessions: a.sessions,
      attempt: a.attempt,
      error: a.error,
      since: a.state === prev.state ? prev.since : a.at,
    },
  };
}

function clampSelection(st: TopState): TopState {
  const n = visibleMembers(st).length;
  const selected = Math.max(0, Math.min(st.selected, n - 1));
  return selected === st.selected ? st : { ...st, selected };
}

function filterEdit(st: TopState, a: Extract<Action, { type: 'filter' }>): TopState {
  switch (a.op) {
    case 'start':
      return { ...st, editingFilter: true };
    case 'commit':
      return { ...st, editingFilter: false };
    case 'clear':
      return { ...st, filter: '', editingFilter: false };
    case 'backspace':
      return { ...st, filter: st.filter.slice(0, -1) };
    case 'type':
      return { ...st, filter: st.filter + a.text };
  }
}

export function reducer(st: TopState, a: Action): TopState {
  switch (a.type) {
    case 'poll':
      return st.paused ? st : applyPoll(st, a);
    case 'zk':
      return applyZk(st, a);
    case 'scroll': {
      const eventsScroll = Math.max(0, Math.min(st.eventsScroll + a.delta, st.events.length - 1));
      return eventsScroll === st.eventsScroll ? st : { ...st, eventsScroll };
    }
    case 'sort': {
      const key = a.key ?? (a.reverse ? st.sort.key : SORT_KEYS[(SORT_KEYS.indexOf(st.sort.key) + 1) % SORT_KEYS.length]!);
      // Numbers read best largest-first; names alphabetically.
      const desc = a.reverse ? !st.sort.desc : a.key === undefined ? key !== 'ipPort' : st.sort.desc;
      return { ...st, sort: { key, desc } };
    }
    case 'filter':
      return clampSelection(filterEdit(st, a));
    case 'select':
      return clampSelection({ ...st, selected: Math.max(0, st.selected + a.delta) });
    case 'notice':
      return { ...st, notice: { at: a.at, text: a.text } };
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

/** The member the cursor is on, if any. */
export function selectedMember(st: TopState): MemberView | undefined {
  return visibleMembers(st)[st.selected];
}

const byIpPort = <T extends { ipPort: string }>(r: Record<string, T> | undefined): T[] | undefined =>
  r && Object.values(r).sort((a, b) => a.ipPort.localeCompare(b.ipPort));

export const proxyList = (st: TopState): ProxyView[] | undefined => byIpPort(st.proxies);
export const visorList = (st: TopState): VisorSample[] | undefined => byIpPort(st.visors);

/** What --json prints. */
export function snapshot(st: TopState, now = Date.now()): {
  source: string; cluster: string; intervalMs: number; polls: number; zk: ZkStatus; sizeLabel: string;
  totals: Totals; members: Array<MemberView & { secondsSinceMix?: number }>;
  proxies?: ProxyView[]; visors?: VisorSample[]; events: MixEvent[];
} {
  return {
    source: st.source, cluster: st.cluster, intervalMs: st.intervalMs, polls: st.polls, zk: st.zk, sizeLabel: st.sizeLabel,
    totals: totals(st),
    members: visibleMembers(st).map((m) => ({ ...m, secondsSinceMix: sinceMix(m, now) })),
    proxies: proxyList(st),
    visors: visorList(st),
    events: st.events,
  };
}

export function sinceMix(m: MemberSample, now = Date.now()): number | undefined {
  return m.mixLastTime ? Math.max(0, Math.round(now / 1000 - m.mixLastTime)) : undefined;
}
