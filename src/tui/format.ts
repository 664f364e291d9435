/** Text shared by the Ink view and the plain `--once` snapshot of `juba top`. */
import asciichart from 'asciichart';
import { peerState, type ProxyView, type VisorSample } from './peers.js';
import {
  proxyList, sinceMix, totals, visibleMembers, visorList, type MemberView, type MixEvent, type TopState,
} from './state.js';

export const dash = '-';

export function fmtRate(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return dash;
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

export function fmtMs(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return dash;
  return x >= 100 ? x.toFixed(0) : x.toFixed(2);
}

export function fmtDuration(sec: number | undefined): string {
  if (sec === undefined) return dash;
  if (sec < 60) return `${sec}s`;
  if (sec < 3600) return `${Math.floor(sec / 60)}m${sec % 60}s`;
  return `${Math.floor(sec / 3600)}h${Math.floor((sec % 3600) / 60)}m`;
}

export function fmtKb(kb: number | undefined): string {
  if (kb === undefined) return dash;
  return kb >= 1024 * 1024 ? `${(kb / 1024 / 1024).toFixed(1)}G` : kb >= 1024 ? `${(kb / 1024).toFixed(1)}M` : `${kb}K`;
}

export function fmtBytes(b: number | undefined): string {
  if (b === undefined) return dash;
  return b >= 1024 * 1024 ? `${(b / 1024 / 1024).toFixed(1)}MB` : b >= 1024 ? `${(b / 1024).toFixed(1)}KB` : `${b}B`;
}

const fmtInt = (x: number | undefined): string => (x === undefined ? dash : String(x));

export function memberState(m: MemberView): string {
  if (!m.reachable) return peerState(m);
  if (m.obsolete) return 'obsolete';
  return m.active ? 'active' : 'inactive';
}

/**
 * A table column. `keep` orders what stays when the terminal is narrow (0 = always shown);
 * the columns that fit are shown in their declared order.
 */
export interface Column<T> {
  head: string;
  width: number;
  keep: number;
  cell: (row: T, now: number) => string;
}

/** The members table; `sizeLabel` heads the model-size column (the engine's preset: ROWS, LABELS…). */
export const memberColumns = (sizeLabel: string): Array<Column<MemberView>> => [
  { head: 'IP_PORT', width: 22, keep: 0, cell: (m) => m.ipPort },
  { head: 'STATE', width: 9, keep: 0, cell: (m) => memberState(m) },
  { head: 'UPTIME', width: 8, keep: 5, cell: (m) => fmtDuration(m.uptimeSec) },
  { head: sizeLabel, width: 9, keep: 3, cell: (m) => fmtInt(m.rows) },
  { head: 'RSS', width: 8, keep: 8, cell: (m) => fmtKb(m.rssKb) },
  { head: 'UPD/S', width: 8, keep: 1, cell: (m) => fmtRate(m.updateRate) },
  { head: 'ANA/S', width: 8, keep: 2, cell: (m) => fmtRate(m.analyzeRate) },
  { head: 'LAT(ms)', width: 8, keep: 4, cell: (m) => fmtMs(m.meanLatencyMs) },
  { head: 'MIX', width: 5, keep: 7, cell: (m) => fmtInt(m.mixRounds) },
  { head: 'LASTMIX', width: 8, keep: 6, cell: (m, now) => { const s = sinceMix(m, now); return s === undefined ? 'never' : `${s}s`; } },
];

export const PROXY_COLUMNS: Array<Column<ProxyView>> = [
  { head: 'IP_PORT', width: 22, keep: 0, cell: (p) => p.ipPort },
  { head: 'STATE', width: 9, keep: 0, cell: (p) => peerState(p) },
  { head: 'UPTIME', width: 8, keep: 3, cell: (p) => fmtDuration(p.uptimeSec) },
  { head: 'RSS', width: 8, keep: 4, cell: (p) => fmtKb(p.rssKb) },
  { head: 'REQ/S', width: 8, keep: 1, cell: (p) => fmtRate(p.requestRate) },
  { head: 'FWD/S', width: 8, keep: 2, cell: (p) => fmtRate(p.forwardRate) },
  { head: 'REQUESTS', width: 10, keep: 5, cell: (p) => fmtInt(p.requestCount) },
];

export const VISOR_COLUMNS: Array<Column<VisorSample>> = [
  { head: 'IP_PORT', width: 22, keep: 0, cell: (v) => v.ipPort },
  { head: 'STATE', width: 9, keep: 0, cell: (v) => peerState(v) },
  { head: 'CHILDREN', width: 9, keep: 1, cell: (v) => fmtInt(v.children) },
  { head: 'OF_CLUSTER', width: 11, keep: 2, cell: (v) => fmtInt(v.clusterChildren) },
];

/** The columns that fit in `width` characters (one space between), in declared order. */
export function fitColumns<T>(cols: Array<Column<T>>, width = Infinity): Array<Column<T>> {
  const chosen = new Set<Column<T>>();
  let used = -1;
  for (const c of [...cols].sort((a, b) => a.keep - b.keep)) {
    if (c.keep > 0 && used + 1 + c.width > width) break;
    chosen.add(c);
    used += 1 + c.width;
  }
  return cols.filter((c) => chosen.has(c));
}

const padCell = (s: string, w: number, first: boolean): string => (first ? s.padEnd(w) : s.padStart(w));

export const headRow = <T>(cols: Array<Column<T>>): string => cols.map((c, i) => padCell(c.head, c.width, i === 0)).join(' ');
export const tableRow = <T>(cols: Array<Column<T>>, row: T, now: number): string =>
  cols.map((c, i) => padCell(c.cell(row, now), c.width, i === 0)).join(' ');

export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

export function eventLine(e: MixEvent): string {
  return `${clock(e.at)}  ${e.ipPort}  round=${e.round ?? dash}  ${fmtMs(e.durationMs)}ms  members=${e.members ?? dash}  ${fmtBytes(e.bytes)}`;
}

function zkText(st: TopState): string {
  const z = st.zk;
  let s = `zk: ${z.state}`;
  if (z.state === 'reconnecting') s += ` (attempt ${z.attempt ?? 1}${z.error ? `: ${z.error}` : ''})`;
  else if (z.server) s += ` (${z.server})`;
  if (z.sessions > 1) s += ` session #${z.sessions}`;
  if (z.state !== 'connected' && z.state !== 'n/a' && z.since !== undefined) s += ` — members as of ${clock(z.since)}`;
  return s;
}

/** Joins parts with two spaces, starting a new line where the next part would pass `width`. */
export function wrapParts(parts: string[], width = Infinity): string[] {
  const lines: string[] = [];
  for (const p of parts.filter(Boolean)) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 2 + p.length <= width) lines[lines.length - 1] = `${last}  ${p}`;
    else lines.push(p);
  }
  return lines;
}

export function headerLines(st: TopState, now = Date.now(), width = Infinity): string[] {
  const t = totals(st);
  const peers = st.proxies ? [`proxies ${Object.keys(st.proxies).length}`, `visors ${Object.keys(st.visors ?? {}).length}`] : [];
  return [
    ...wrapParts([`juba top — ${st.source}`, zkText(st), `cluster: ${st.cluster}`, `every ${st.intervalMs}ms`, clock(now), st.paused ? '[PAUSED]' : ''], width),
    ...wrapParts([`members ${t.reachable}/${t.members}`, `${st.sizeLabel.toLowerCase()} ${t.rows}`, `update/s ${fmtRate(t.updateRate)}`, `analyze/s ${fmtRate(t.analyzeRate)}`, ...peers], width),
  ];
}

/** Label column of an asciichart plot: 8 for the figure, 2 for " ┤". */
export const CHART_LABEL = 10;

/**
 * An asciichart plot of the last points that fit in `width` columns; NaN gaps are dropped and
 * fewer than two figures draw "(collecting…)".
 */
export function chart(series: readonly number[], height = 5, width = Infinity): string {
  const xs = series.filter((x) => Number.isFinite(x));
  const fit = Math.max(2, width - CHART_LABEL);
  if (xs.length < 2) return '(collecting…)';
  return asciichart.plot(xs.slice(-fit), { height, format: (x: number) => fmtRate(x).padStart(8) });
}

/** The lines of one peer section (proxies or visors), or none when they are not watched. */
export function peerSection<T>(title: string, list: T[] | undefined, cols: Array<Column<T>>, now: number): string[] {
  if (!list) return [];
  if (list.length === 0) return [`${title}: none registered`];
  return [`${title} (${list.length})`, headRow(cols), ...list.map((p) => tableRow(cols, p, now))];
}

/** The whole plain snapshot (`--once` without --json). */
export function plainSnapshot(st: TopState, now = Date.now()): string {
  const members = visibleMembers(st);
  const cols = memberColumns(st.sizeLabel);
  const out = [...headerLines(st, now), '', headRow(cols)];
  for (const m of members) out.push(tableRow(cols, m, now));
  if (members.length === 0) out.push('(no members)');
  for (const m of members) if (!m.reachable && m.error) out.push(`${m.ipPort}: ${m.error}`);
  for (const lines of [peerSection('Proxies', proxyList(st), PROXY_COLUMNS, now), peerSection('Visors', visorList(st), VISOR_COLUMNS, now)]) {
    if (lines.length) out.push('', ...lines);
  }
  for (const p of [...(proxyList(st) ?? []), ...(visorList(st) ?? [])]) if (!p.reachable && p.error) out.push(`${p.ipPort}: ${p.error}`);
  out.push('', 'MIX events:');
  if (st.events.length === 0) out.push('(none seen)');
  for (const e of st.events) out.push(eventLine(e));
  return out.join('\n');
}
