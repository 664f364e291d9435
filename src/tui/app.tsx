/**
 * The Ink view of `juba top`: header, members table, MIX events log and charts of the cluster's
 * update/s and analyze/s. TopView is a pure function of the state; TopApp owns the reducer,
 * starts polling, and maps keys to actions.
 */
import { Box, Text, useApp, useInput, useStdin } from 'ink';
import { useEffect, useReducer, useState, type Dispatch, type ReactElement } from 'react';
import { chart, COLUMNS, eventLine, headerLines, memberCells, pad } from './format.js';
import { reducer, visibleMembers, type Action, type TopState } from './state.js';

const HELP = [
  'q / Ctrl-C  quit            ?  this help',
  '/           filter by ip_port (Enter keeps, Esc clears)',
  's           next sort column S  reverse the sort',
  'p           pause / resume   r  refresh now',
  'tab         switch pane      ↑↓ / j k  select',
];

export interface TopViewProps {
  state: TopState;
  now?: number;
  color?: boolean;
}

export function TopView({ state: st, now = Date.now(), color = true }: TopViewProps): ReactElement {
  const c = (name: string): string | undefined => (color ? name : undefined);
  const rows = visibleMembers(st);
  const [h1, h2] = headerLines(st, now);
  const focus = (p: TopState['pane']): string => (st.pane === p ? '▶ ' : '  ');
  const events = st.events.slice(0, st.pane === 'events' ? 15 : 5);
  const sel = rows[st.selected];
  return (
    <Box flexDirection="column">
      <Text bold color={c('cyan')}>{h1}</Text>
      <Text>{h2}</Text>
      {st.help && (
        <Box flexDirection="column" borderStyle="single" paddingX={1}>
          {HELP.map((l) => <Text key={l}>{l}</Text>)}
        </Box>
      )}
      {(st.editingFilter || st.filter) && <Text color={c('yellow')}>filter: {st.filter}{st.editingFilter ? '▏' : ''}</Text>}
      <Text bold>{focus('members')}{pad(COLUMNS)}  sort:{st.sort.key}{st.sort.desc ? '↓' : '↑'}</Text>
      {rows.length === 0 && <Text dimColor>  (no members)</Text>}
      {rows.map((m, i) => (
        <Text key={m.ipPort} inverse={st.pane === 'members' && i === st.selected} color={m.reachable ? undefined : c('red')}>
          {'  '}{pad(memberCells(m, now))}
        </Text>
      ))}
      {sel && !sel.reachable && sel.error && <Text color={c('red')}>  {sel.ipPort}: {sel.error}</Text>}
      <Text bold>{focus('events')}MIX events</Text>
      {events.length === 0 && <Text dimColor>  (none seen)</Text>}
      {events.map((e, i) => <Text key={`${e.ipPort}-${e.at}-${i}`}>  {eventLine(e)}</Text>)}
      <Box flexDirection="row" gap={2}>
        <Box flexDirection="column">
          <Text bold color={c('green')}>update/s</Text>
          <Text>{chart(st.history.update, 4)}</Text>
        </Box>
        <Box flexDirection="column">
          <Text bold color={c('magenta')}>analyze/s</Text>
          <Text>{chart(st.history.analyze, 4)}</Text>
        </Box>
      </Box>
      <Text dimColor>q quit  ? help  / filter  s/S sort  p pause  tab pane  r refresh</Text>
    </Box>
  );
}

export interface TopAppProps {
  initial: TopState;
  /** Starts feeding actions (polls, ZooKeeper state); returns the stop function. */
  start: (dispatch: Dispatch<Action>) => () => void;
  refresh?: () => void;
  color?: boolean;
}

export function TopApp({ initial, start, refresh, color = true }: TopAppProps): ReactElement {
  const [state, dispatch] = useReducer(reducer, initial);
  const [now, setNow] = useState(Date.now());
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();

  useEffect(() => start(dispatch), [start]);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);

  useInput(
    (input, key) => {
      if (state.editingFilter) {
        if (key.return) dispatch({ type: 'filter', text: state.filter, editing: false });
        else if (key.escape) dispatch({ type: 'filter', text: '', editing: false });
        else if (key.backspace || key.delete) dispatch({ type: 'filter', text: state.filter.slice(0, -1), editing: true });
        else if (input && !key.ctrl && !key.meta) dispatch({ type: 'filter', text: state.filter + input, editing: true });
        return;
      }
      if (input === 'q' || (key.ctrl && input === 'c')) exit();
      else if (input === '?') dispatch({ type: 'help' });
      else if (input === '/') dispatch({ type: 'filter', text: state.filter, editing: true });
      else if (input === 's') dispatch({ type: 'sort' });
      else if (input === 'S') dispatch({ type: 'sort', key: state.sort.key, reverse: true });
      else if (input === 'p') dispatch({ type: 'pause' });
      else if (key.tab) dispatch({ type: 'pane' });
      else if (key.upArrow || input === 'k') dispatch({ type: 'select', delta: -1 });
      else if (key.downArrow || input === 'j') dispatch({ type: 'select', delta: 1 });
      else if (input === 'r') refresh?.();
    },
    { isActive: isRawModeSupported === true },
  );

  return <TopView state={state} now={now} color={color} />;
}
