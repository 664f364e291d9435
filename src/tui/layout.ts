/**
 * How `juba top` fills a terminal of a given size: which table columns fit the width, and how
 * the height is shared between the members table, the MIX log and the charts, so a frame never
 * grows past the screen (Ink would then redraw it from scratch on every update). Pure.
 */
import {
  CHART_LABEL, fitColumns, headerLines, memberColumns, peerSection, PROXY_COLUMNS, VISOR_COLUMNS, type Column,
} from './format.js';
import type { ProxyView, VisorSample } from './peers.js';
import { proxyList, selectedMember, visibleMembers, visorList, type MemberView, type TopState } from './state.js';

export const HELP = [
  'q / Ctrl-C  quit            ?  this help',
  '/           filter by ip_port (Enter keeps, Esc clears)',
  's           next sort column S  reverse the sort',
  'p           pause / resume   r  refresh now',
  'tab         switch pane (members / MIX events)',
  '↑↓ / j k    members: select; MIX events: scroll (PgUp PgDn by page)',
];

/** How long an error notice stays on screen. */
const NOTICE_MS = 30_000;
/** Each table line starts with a 2-column focus marker or indent. */
export const INDENT = 2;
const CHART_GAP = 2;
const MAX_CHART_HEIGHT = 6;
/** Two charts side by side when each can hold at least this many points. */
const MIN_CHART_POINTS = 20;

export interface Layout {
  cols: number;
  rows: number;
  header: string[];
  notice: boolean;
  memberCols: Array<Column<MemberView>>;
  proxyCols: Array<Column<ProxyView>>;
  visorCols: Array<Column<VisorSample>>;
  /** The slice of visible members shown (the selection is always inside). */
  memberStart: number;
  memberRows: number;
  eventLines: number;
  /** Charts shown: 0, 2 (the cluster's) or 4 (plus the selected member's). */
  charts: number;
  chartsPerRow: number;
  chartHeight: number;
  chartWidth: number;
}

export function layout(st: TopState, cols: number, rows: number, now = Date.now()): Layout {
  const tableWidth = cols - INDENT;
  const header = headerLines(st, now, cols);
  const members = visibleMembers(st);
  const sel = selectedMember(st);
  const notice = !!st.notice && now - st.notice.at < NOTICE_MS;
  const fixed = header.length + (notice ? 1 : 0) + (st.help ? HELP.length + 2 : 0)
    + 2 + (sel && !sel.reachable && sel.error ? 1 : 0)
    + peerSection('Proxies', proxyList(st), PROXY_COLUMNS, now).length + peerSection('Visors', visorList(st), VISOR_COLUMNS, now).length
    + 1 + 1; // MIX events title, key line
  // The last terminal line stays free: a frame as tall as the screen makes Ink clear it each time.
  let free = rows - 1 - fixed;
  const memberRows = Math.max(1, Math.min(Math.max(members.length, 1), Math.max(3, free - 1)));
  free -= memberRows;
  const focusedEvents = st.pane === 'events';
  const wantEvents = Math.max(1, Math.min(st.events.length, focusedEvents ? 15 : 5));
  const minEvents = Math.min(wantEvents, focusedEvents ? 10 : 1);

  const chartsPerRow = cols >= 2 * (CHART_LABEL + MIN_CHART_POINTS) + CHART_GAP ? 2 : 1;
  let charts = 0;
  let chartHeight = 0;
  for (const n of sel ? [4, 2] : [2]) {
    const gridRows = Math.ceil(n / chartsPerRow);
    // A chart of height h draws h + 1 lines under its title.
    const h = Math.min(MAX_CHART_HEIGHT, Math.floor((free - minEvents) / gridRows) - 2);
    if (h >= 2) {
      charts = n;
      chartHeight = h;
      break;
    }
  }
  const chartLines = charts ? Math.ceil(charts / chartsPerRow) * (chartHeight + 2) : 0;
  const eventLines = Math.max(1, Math.min(wantEvents, free - chartLines));
  // Scroll the table only as far as needed to keep the selection in view.
  const memberStart = Math.max(0, Math.min(st.selected - memberRows + 1, members.length - memberRows));
  return {
    cols, rows, header, notice,
    memberCols: fitColumns(memberColumns(st.sizeLabel), tableWidth),
    proxyCols: fitColumns(PROXY_COLUMNS, tableWidth),
    visorCols: fitColumns(VISOR_COLUMNS, tableWidth),
    memberStart,
    memberRows,
    eventLines,
    charts,
    chartsPerRow,
    chartHeight,
    chartWidth: Math.floor((cols - CHART_GAP * (chartsPerRow - 1)) / chartsPerRow),
  };
}
