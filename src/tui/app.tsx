/**
 * The Ink view of `juba top`: header, members table, proxies and visors, the MIX log and
 * charts of the cluster's and the selected member's update/s and analyze/s, laid out for the
 * terminal's size (layout.ts). TopView is a pure function of the state and the size; TopApp
 * owns the reducer, follows resizes, starts polling, and maps keys to actions.
 */
import { Box, Text, useApp, useCursor, useInput, useStdin, useStdout } from 'ink';
import { useCallback, useEffect, useRef, useState, type Dispatch, type ReactElement } from 'react';
import { chart, clock, eventLine, headRow, peerSection, tableRow, type Column } from './format.js';
import { HELP, INDENT, layout, type Layout } from './layout.js';
import { proxyList, reducer, selectedMember, totals, visibleMembers, visorList, type Action, type Series, type TopState } from './state.js';

/** Size used when stdout is not a terminal (tests). */
export const DEFAULT_SIZE = { cols: 100, rows: 40 };

export interface TopViewProps {
  state: TopState;
  now?: number;
  color?: boolean;
  cols?: number;
  rows?: number;
}

/** A proxies or visors section: title and column heads in bold, unreachable rows in red. */
function PeerTable<T extends { reachable: boolean }>(props: {
  title: string; list: T[] | undefined; cols: Array<Column<T>>; now: number; c: (n: string) => string | undefined;
}): ReactElement | null {
  const { list, c } = props;
  const lines = peerSection(props.title, list, props.cols, props.now);
  if (!list || lines.length === 0) return null;
  return (
    <Box flexDirection="column">
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate" bold={i < 2} color={i >= 2 && !list[i - 2]!.reachable ? c('red') : undefined}>{'  '}{l}</Text>
      ))}
    </Box>
  );
}

function Charts({ st, L, c }: { st: TopState; L: Layout; c: (n: string) => string | undefined }): ReactElement | null {
  if (L.charts === 0) return null;
  const sel = selectedMember(st);
  const own: Series = (sel && st.memberHistory[sel.ipPort]) ?? { update: [], analyze: [] };
  const all = [
    { title: 'cluster update/s', series: st.history.update, color: 'green' },
    { title: 'cluster analyze/s', series: st.history.analyze, color: 'magenta' },
    { title: `${sel?.ipPort} update/s`, series: own.update, color: 'green' },
    { title: `${sel?.ipPort} analyze/s`, series: own.analyze, color: 'magenta' },
  ].slice(0, L.charts);
  const grid: Array<typeof all> = [];
  for (let i = 0; i < all.length; i += L.chartsPerRow) grid.push(all.slice(i, i + L.chartsPerRow));
  return (
    <Box flexDirection="column">
      {grid.map((row, r) => (
        <Box key={r} flexDirection="row" gap={2}>
          {row.map((ch) => (
            <Box key={ch.title} flexDirection="column" width={L.chartWidth}>
              <Text bold wrap="truncate" color={c(ch.color)}>{ch.title}</Text>
              {chart(ch.series, L.chartHeight, L.chartWidth).split('\n').map((l, i) => <Text key={i} wrap="truncate">{l}</Text>)}
            </Box>
          ))}
        </Box>
      ))}
    </Box>
  );
}

export function TopView({ state: st, now = Date.now(), color = true, cols = DEFAULT_SIZE.cols, rows = DEFAULT_SIZE.rows }: TopViewProps): ReactElement {
  const c = (name: string): string | undefined => (color ? name : undefined);
  const L = layout(st, cols, rows, now);
  const members = visibleMembers(st);
  const shown = members.slice(L.memberStart, L.memberStart + L.memberRows);
  const focus = (p: TopState['pane']): string => (st.pane === p ? '▶ ' : '  ');
  const t = totals(st);
  const sel = selectedMember(st);
  const events = st.events.slice(st.eventsScroll, st.eventsScroll + L.eventLines);
  const filter = st.editingFilter || st.filter ? `  filter: ${st.filter}${st.editingFilter ? '▏' : ''}` : '';
  const more = members.length > shown.length ? `  rows ${L.memberStart + 1}–${L.memberStart + shown.length} of ${members.length}` : '';
  const eventsPos = st.events.length ? ` ${st.eventsScroll + 1}–${st.eventsScroll + events.length} of ${st.events.length}` : '';
  return (
    // No fixed width: right after a resize Ink draws this tree once more before it learns the new
    // size, and at the terminal's own width every line is truncated rather than wrapped.
    <Box flexDirection="column">
      {L.header.map((l, i) => <Text key={i} wrap="truncate" bold={i === 0} color={i === 0 ? c('cyan') : undefined}>{l}</Text>)}
      {L.notice && st.notice && <Text wrap="truncate" color={c('yellow')}>! {clock(st.notice.at)} {st.notice.text}</Text>}
      {st.help && (
        <Box flexDirection="column" borderStyle="single" paddingX={1}>
          {HELP.map((l) => <Text key={l} wrap="truncate">{l}</Text>)}
        </Box>
      )}
      <Text bold wrap="truncate">{focus('members')}Members {t.reachable}/{t.members}  sort:{st.sort.key}{st.sort.desc ? '↓' : '↑'}<Text color={c('yellow')}>{filter}</Text>{more}</Text>
      <Text bold wrap="truncate">{' '.repeat(INDENT)}{headRow(L.memberCols)}</Text>
      {members.length === 0 && <Text dimColor>  (no members)</Text>}
      {shown.map((m, i) => (
        <Text key={m.ipPort} wrap="truncate" inverse={st.pane === 'members' && L.memberStart + i === st.selected} color={m.reachable ? undefined : c('red')}>
          {'  '}{tableRow(L.memberCols, m, now)}
        </Text>
      ))}
      {sel && !sel.reachable && sel.error && <Text wrap="truncate" color={c('red')}>  {sel.ipPort}: {sel.error}</Text>}
      <PeerTable title="Proxies" list={proxyList(st)} cols={L.proxyCols} now={now} c={c} />
      <PeerTable title="Visors" list={visorList(st)} cols={L.visorCols} now={now} c={c} />
      <Text bold wrap="truncate">{focus('events')}MIX events{eventsPos}{st.pane === 'events' ? '  (↑↓ PgUp PgDn scroll)' : ''}</Text>
      {events.length === 0 && <Text dimColor>  (none seen)</Text>}
      {events.map((e, i) => <Text key={`${st.eventsScroll + i}`} wrap="truncate">  {eventLine(e)}</Text>)}
      <Charts st={st} L={L} c={c} />
      <Text dimColor wrap="truncate">q quit  ? help  / filter  s/S sort  p pause  tab pane  ↑↓ j k {st.pane === 'events' ? 'scroll' : 'select'}  r refresh</Text>
    </Box>
  );
}

export interface TopAppProps {
  initial: TopState;
  /** Starts feeding actions (polls, ZooKeeper state); `fail` ends the app with an error. Returns the stop function. */
  start: (dispatch: Dispatch<Action>, fail: (e: Error) => void) => () => void;
  refresh?: () => void;
  color?: boolean;
}

function useTerminalSize(): { cols: number; rows: number } {
  const { stdout } = useStdout();
  const read = (): { cols: number; rows: number } => ({ cols: stdout.columns || DEFAULT_SIZE.cols, rows: stdout.rows || DEFAULT_SIZE.rows });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = (): void => setSize(read());
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout]);
  return size;
}

export function TopApp({ initial, start, refresh, color = true }: TopAppProps): ReactElement {
  // The latest state lives in a ref updated at dispatch time, so keys that arrive before the
  // next render (typed fast, or pasted) are read against the state they follow.
  const latest = useRef(initial);
  const [state, setState] = useState(initial);
  const dispatch = useCallback((a: Action): void => {
    latest.current = reducer(latest.current, a);
    setState(latest.current);
  }, []);
  const [now, setNow] = useState(Date.now());
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const { cols, rows } = useTerminalSize();
  // Marking the (hidden) cursor on every commit lets each frame reach the terminal even when it
  // equals the last one: after a resize the command clears the screen, and the frame must be redrawn.
  useCursor().setCursorPosition(undefined);

  useEffect(() => start(dispatch, (e) => exit(e)), [start, dispatch]);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);

  useInput(
    (input, key) => {
      const state = latest.current;
      if (state.editingFilter) {
        if (key.return) dispatch({ type: 'filter', op: 'commit' });
        else if (key.escape) dispatch({ type: 'filter', op: 'clear' });
        else if (key.backspace || key.delete) dispatch({ type: 'filter', op: 'backspace' });
        else if (input && !key.ctrl && !key.meta) dispatch({ type: 'filter', op: 'type', text: input });
        return;
      }
      const L = layout(state, cols, rows);
      const move = (delta: number): void =>
        dispatch(state.pane === 'events' ? { type: 'scroll', delta } : { type: 'select', delta });
      if (input === 'q' || (key.ctrl && input === 'c')) exit();
      else if (input === '?') dispatch({ type: 'help' });
      else if (input === '/') dispatch({ type: 'filter', op: 'start' });
      else if (input === 's') dispatch({ type: 'sort' });
      else if (input === 'S') dispatch({ type: 'sort', reverse: true });
      else if (input === 'p') dispatch({ type: 'pause' });
      else if (key.tab) dispatch({ type: 'pane' });
      else if (key.upArrow || input === 'k') move(-1);
      else if (key.downArrow || input === 'j') move(1);
      else if (key.pageUp) move(-(state.pane === 'events' ? L.eventLines : L.memberRows));
      else if (key.pageDown) move(state.pane === 'events' ? L.eventLines : L.memberRows);
      else if (input === 'r') refresh?.();
    },
    { isActive: isRawModeSupported === true },
  );

  return <TopView state={state} now={now} color={color} cols={cols} rows={rows} />;
}
