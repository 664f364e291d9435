/** Text shared by the Ink view and the plain `--once` snapshot of `juba top`. */
import asciichart from 'asciichart';
import { sinceMix, totals, visibleMembers, type MemberView, type MixEvent, type TopState } from './state.js';

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

export function memberState(m: MemberView): string {
  if (!m.reachable) return 'UNREACH';
  if (m.obsolete) return 'obsolete';
  return m.active ? 'active' : 'inactive';
}

export const COLUMNS = ['IP_PORT', 'STATE', 'UPTIME', 'ROWS', 'RSS', 'UPD/S', 'ANA/S', 'LAT(ms)', 'MIX', 'LASTMIX'] as const;
export const WIDTHS = [22, 9, 8, 9, 8, 8, 8, 8, 5, 8];

export function memberCells(m: MemberView, now = Date.now()): string[] {
  const since = sinceMix(m, now);
  return [
    m.ipPort, memberState(m), fmtDuration(m.uptimeSec), m.rows === undefined ? dash : String(m.rows), fmtKb(m.rssKb),
    fmtRate(m.updateRate), fmtRate(m.analyzeRate), fmtMs(m.meanLatencyMs),
    m.mixRounds === undefined ? dash : String(m.mixRounds), since === undefined ? 'never' : `${since}s`,
  ];
}

export const pad = (cells: readonly string[]): string =>
  cells.map((c, i) => (i === 0 ? c.padEnd(WIDTHS[i]!) : c.padStart(WIDTHS[i]!))).join(' ');

export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

export function eventLine(e: MixEvent): string {
  return `${clock(e.at)}  ${e.ipPort}  round=${e.round ?? dash}  ${fmtMs(e.durationMs)}ms  members=${e.members ?? dash}  ${fmtBytes(e.bytes)}`;
}

export function headerLines(st: TopState, now = Date.now()): string[] {
  const t = totals(st);
  return [
    `juba top — ${st.source}  zk: ${st.zk.state}${st.zk.server ? ` (${st.zk.server})` : ''}  cluster: ${st.cluster}  every ${st.intervalMs}ms  ${clock(now)}${st.paused ? '  [PAUSED]' : ''}`,
    `members ${t.reachable}/${t.members}  rows ${t.rows}  update/s ${fmtRate(t.updateRate)}  analyze/s ${fmtRate(t.analyzeRate)}`,
  ];
}

/** An asciichart plot; NaN gaps are dropped and an empty series draws nothing. */
export function chart(series: number[], height = 5): string {
  const xs = series.filter((x) => Number.isFinite(x));
  if (xs.length < 2) return '(collecting…)';
  return asciichart.plot(xs, { height, format: (x: number) => fmtRate(x).padStart(8) });
}

/** The whole plain snapshot (`--once` without --json). */
export function plainSnapshot(st: TopState, now = Date.now()): string {
  const out = [...headerLines(st, now), '', pad(COLUMNS)];
  for (const m of visibleMembers(st)) out.push(pad(memberCells(m, now)));
  if (st.order.length === 0) out.push('(no members)');
  for (const m of visibleMembers(st)) if (!m.reachable && m.error) out.push(`${m.ipPort}: ${m.error}`);
  out.push('', 'MIX events:');
  if (st.events.length === 0) out.push('(none seen)');
  for (const e of st.events) out.push(eventLine(e));
  return out.join('\n');
}
