import { describe, expect, it } from 'vitest';
import { chart, plainSnapshot } from '../../src/tui/format.js';
import { clampInterval } from '../../src/tui/poller.js';
import {
  initialState, reducer, sampleFromStatus, snapshot, totals, visibleMembers, type MemberSample, type TopState,
} from '../../src/tui/state.js';

const base = (): TopState => initialState({ source: 'zk test', cluster: 'nearest_neighbor/c', intervalMs: 1000 });
const sample = (ipPort: string, o: Partial<MemberSample> = {}): MemberSample => ({ ipPort, active: true, reachable: true, ...o });
const poll = (st: TopState, at: number, samples: MemberSample[]): TopState => reducer(st, { type: 'poll', at, samples });

describe('top state', () => {
  it('parses get_status keys into a sample', () => {
    const s = sampleFromStatus('1.2.3.4_9199', true, {
      data: '12', uptime: '30', RSS: '2048', update_count: '100', analysis_count: '7', update_usec_total: '5000',
      analysis_usec_total: '700', 'mix.rounds': '3', 'mix.last_time': '1700000000', 'mix.last_duration_ms': '12.5',
      'mix.last_members': '2', 'mix.last_bytes': '999', 'linear_mixer.is_obsolete': '0',
    });
    expect(s).toMatchObject({ rows: 12, uptimeSec: 30, rssKb: 2048, updateCount: 100, analysisCount: 7, updateUsec: 5000,
      analysisUsec: 700, mixRounds: 3, mixLastTime: 1700000000, mixLastDurationMs: 12.5, mixLastMembers: 2, mixLastBytes: 999, obsolete: false });
  });

  it('computes rates and mean latency from counter differences over elapsed time', () => {
    let st = poll(base(), 10_000, [sample('a_1', { updateCount: 100, analysisCount: 10, updateUsec: 1000, analysisUsec: 500 })]);
    expect(st.members.a_1!.updateRate).toBeUndefined();
    expect(st.history.update).toEqual([]);
    st = poll(st, 12_000, [sample('a_1', { updateCount: 300, analysisCount: 50, updateUsec: 41_000, analysisUsec: 20_500 })]);
    const m = st.members.a_1!;
    expect(m.updateRate).toBe(100);
    expect(m.analyzeRate).toBe(20);
    // (40000 + 20000) µs over (200 + 40) calls = 250 µs
    expect(m.meanLatencyMs).toBeCloseTo(0.25);
    expect(totals(st)).toMatchObject({ members: 1, reachable: 1, updateRate: 100, analyzeRate: 20 });
    expect(st.history).toEqual({ update: [100], analyze: [20] });
  });

  it('gives no rate when a counter goes back (a restart)', () => {
    let st = poll(base(), 0, [sample('a_1', { updateCount: 100 })]);
    st = poll(st, 1000, [sample('a_1', { updateCount: 5 })]);
    expect(st.members.a_1!.updateRate).toBeUndefined();
    expect(st.history.update).toHaveLength(1);
    expect(Number.isNaN(st.history.update[0])).toBe(true);
  });

  it('keeps members that stop answering or leave ZooKeeper, marked unreachable', () => {
    let st = poll(base(), 0, [sample('a_1', { rows: 5, updateCount: 1 }), sample('b_2', { rows: 7 })]);
    st = poll(st, 1000, [{ ipPort: 'a_1', active: true, reachable: false, error: 'timeout' }]);
    expect(st.members.a_1).toMatchObject({ reachable: false, error: 'timeout', rows: 5 });
    expect(st.members.b_2).toMatchObject({ reachable: false, error: 'gone from ZooKeeper', active: false, rows: 7 });
    expect(totals(st)).toMatchObject({ members: 2, reachable: 0, rows: 12 });
    // Answers again: no rate across the gap, then rates again.
    st = poll(st, 2000, [sample('a_1', { updateCount: 10 })]);
    expect(st.members.a_1!.reachable).toBe(true);
    expect(st.members.a_1!.updateRate).toBeUndefined();
    st = poll(st, 3000, [sample('a_1', { updateCount: 20 })]);
    expect(st.members.a_1!.updateRate).toBe(10);
  });

  it('derives MIX events when mix.rounds or mix.last_time moves', () => {
    let st = poll(base(), 0, [sample('a_1', { mixRounds: 1, mixLastTime: 100 })]);
    expect(st.events).toEqual([]); // first sight is history, not an event
    st = poll(st, 1000, [sample('a_1', { mixRounds: 1, mixLastTime: 100 })]);
    expect(st.events).toEqual([]);
    st = poll(st, 2000, [sample('a_1', { mixRounds: 2, mixLastTime: 105, mixLastDurationMs: 3.5, mixLastMembers: 2, mixLastBytes: 400 })]);
    expect(st.events).toEqual([{ at: 105_000, ipPort: 'a_1', round: 2, durationMs: 3.5, members: 2, bytes: 400 }]);
    st = poll(st, 3000, [sample('a_1', { mixRounds: 3, mixLastTime: 0 })]);
    expect(st.events[0]).toMatchObject({ at: 3000, round: 3 }); // newest first; no time → when noticed
    expect(st.events).toHaveLength(2);
  });

  it('sorts, filters, selects and pauses', () => {
    let st = poll(base(), 0, [sample('b_2', { rows: 1 }), sample('a_1', { rows: 9 }), sample('c_3')]);
    expect(visibleMembers(st).map((m) => m.ipPort)).toEqual(['a_1', 'b_2', 'c_3']);
    st = reducer(st, { type: 'sort' }); // next key: rows, largest first
    expect(st.sort).toEqual({ key: 'rows', desc: true });
    expect(visibleMembers(st).map((m) => m.ipPort)).toEqual(['a_1', 'b_2', 'c_3']); // missing last
    st = reducer(st, { type: 'sort', key: 'rows', reverse: true });
    expect(visibleMembers(st).map((m) => m.ipPort)).toEqual(['b_2', 'a_1', 'c_3']);
    st = reducer(st, { type: 'select', delta: 5 });
    expect(st.selected).toBe(2);
    st = reducer(st, { type: 'filter', text: 'A_', editing: false });
    expect(visibleMembers(st).map((m) => m.ipPort)).toEqual(['a_1']);
    expect(st.selected).toBe(0);
    st = reducer(st, { type: 'pause' });
    const paused = poll(st, 1000, []);
    expect(paused).toBe(st);
    expect(reducer(st, { type: 'pane' }).pane).toBe('events');
  });

  it('renders a plain snapshot and a JSON snapshot', () => {
    let st = poll(base(), 0, [sample('a_1', { updateCount: 0, mixLastTime: 1 })]);
    st = poll(st, 1000, [sample('a_1', { updateCount: 4, rows: 3 })]);
    const text = plainSnapshot(st, 5000);
    expect(text).toContain('a_1');
    expect(text).toMatch(/update\/s 4\.0/);
    const snap = snapshot(st, 5000);
    expect(snap.members[0]).toMatchObject({ ipPort: 'a_1', updateRate: 4 });
    expect(snap.totals.updateRate).toBe(4);
  });

  it('charts survive empty and NaN series; the interval has a floor', () => {
    expect(chart([])).toContain('collecting');
    expect(chart([Number.NaN, 1])).toContain('collecting');
    expect(chart([1, Number.NaN, 3, 2])).toMatch(/┤|┼/);
    expect(clampInterval(10)).toBe(250);
    expect(clampInterval(1500)).toBe(1500);
  });
});
