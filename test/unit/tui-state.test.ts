import { describe, expect, it } from 'vitest';
import { chart, fitColumns, headerLines, memberColumns, plainSnapshot } from '../../src/tui/format.js';
import { layout } from '../../src/tui/layout.js';
import { proxySampleFromStatus, type ProxySample, type VisorSample } from '../../src/tui/peers.js';
import { clampInterval } from '../../src/tui/poller.js';
import {
  initialState, MAX_EVENTS, reducer, sampleFromStatus, snapshot, totals, visibleMembers, type Action, type MemberSample, type TopState,
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
    st = reducer(st, { type: 'sort', reverse: true }); // same column, other order
    expect(st.sort).toEqual({ key: 'rows', desc: false });
    expect(visibleMembers(st).map((m) => m.ipPort)).toEqual(['b_2', 'a_1', 'c_3']);
    st = reducer(st, { type: 'select', delta: 5 });
    expect(st.selected).toBe(2);
    st = reducer(st, { type: 'filter', op: 'start' });
    st = reducer(st, { type: 'filter', op: 'type', text: 'A' });
    st = reducer(st, { type: 'filter', op: 'type', text: '_x' });
    st = reducer(st, { type: 'filter', op: 'backspace' });
    st = reducer(st, { type: 'filter', op: 'commit' });
    expect(st).toMatchObject({ filter: 'A_', editingFilter: false });
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

  it('tracks proxies: rates without our own status call, unreachable and gone ones kept', () => {
    const px = (ipPort: string, o: Partial<ProxySample> = {}): ProxySample => ({ ipPort, reachable: true, ...o });
    expect(proxySampleFromStatus('p_1', { uptime: '12', RSS: '4096', request_count: '7', forward_count: '9', VERSION: '1.1.1' }))
      .toEqual({ ipPort: 'p_1', reachable: true, uptimeSec: 12, rssKb: 4096, requestCount: 7, forwardCount: 9 });
    let st = reducer(base(), { type: 'poll', at: 0, samples: [], proxies: [px('p_1', { requestCount: 10, forwardCount: 0 }), px('p_2', { requestCount: 1 })], visors: [] });
    expect(st.proxies!.p_1!.requestRate).toBeUndefined();
    // 2 s later: 41 more requests, one of them our get_proxy_status; 80 forwards.
    st = reducer(st, { type: 'poll', at: 2000, samples: [], proxies: [px('p_1', { requestCount: 51, forwardCount: 80 }), { ipPort: 'p_2', reachable: false, error: 'connect failed' }], visors: [] });
    expect(st.proxies!.p_1).toMatchObject({ requestRate: 20, forwardRate: 40, reachable: true });
    expect(st.proxies!.p_2).toMatchObject({ reachable: false, error: 'connect failed', requestCount: 1 });
    st = reducer(st, { type: 'poll', at: 3000, samples: [], proxies: [], visors: [] });
    expect(st.proxies!.p_1).toMatchObject({ reachable: false, error: 'gone from ZooKeeper', requestRate: undefined, requestCount: 51 });
    expect(snapshot(st).proxies!.map((p) => p.ipPort)).toEqual(['p_1', 'p_2']);
    // --server: nothing to list proxies from, so no section at all.
    expect(snapshot(poll(base(), 0, [sample('a_1')])).proxies).toBeUndefined();
  });

  it('tracks visors and what they run', () => {
    const v: VisorSample[] = [
      { ipPort: 'v_1', reachable: true, children: 3, clusterChildren: 2 },
      { ipPort: 'v_2', reachable: true }, // a stock jubavisor: no `list`
    ];
    let st = reducer(base(), { type: 'poll', at: 0, samples: [], proxies: [], visors: v });
    expect(st.visors).toEqual({ v_1: v[0], v_2: v[1] });
    st = reducer(st, { type: 'poll', at: 1000, samples: [], proxies: [], visors: [{ ipPort: 'v_1', reachable: false, error: 'request timed out' }] });
    expect(st.visors!.v_1).toMatchObject({ reachable: false, error: 'request timed out', children: 3 });
    expect(st.visors!.v_2).toMatchObject({ reachable: false, error: 'gone from ZooKeeper' });
    const text = plainSnapshot(st, 1000);
    expect(text).toMatch(/Proxies: none registered/);
    expect(text).toMatch(/Visors \(2\)[\s\S]*v_1\s+UNREACH\s+3\s+2[\s\S]*v_2\s+gone/);
  });

  it('follows the ZooKeeper session through expiry and reconnection, keeping the members', () => {
    const zk = (st: TopState, at: number, a: Omit<Extract<Action, { type: 'zk' }>, 'type' | 'at'>): TopState => reducer(st, { type: 'zk', at, ...a });
    let st = zk(base(), 0, { state: 'connected', server: '127.0.0.1:2181', sessions: 1 });
    expect(st.zk).toEqual({ state: 'connected', server: '127.0.0.1:2181', sessions: 1, since: 0, attempt: undefined, error: undefined });
    expect(headerLines(st, 0)[0]).not.toContain('session #');
    st = poll(st, 500, [sample('a_1', { rows: 4 })]);
    st = zk(st, 1000, { state: 'disconnected', server: '', sessions: 1 });
    expect(headerLines(st, 1000)[0]).toContain('zk: disconnected — members as of 00:00:01');
    st = zk(st, 1500, { state: 'connected', server: '127.0.0.1:2181', sessions: 1 }); // the same session again
    st = zk(st, 2000, { state: 'expired', server: '', sessions: 1 });
    st = zk(st, 2000, { state: 'reconnecting', server: '', sessions: 1, attempt: 1 });
    st = zk(st, 3000, { state: 'reconnecting', server: '', sessions: 1, attempt: 2, error: 'cannot connect zk in 1 sec' });
    expect(st.zk).toMatchObject({ state: 'reconnecting', attempt: 2, since: 2000 });
    expect(headerLines(st, 3000)[0]).toContain('zk: reconnecting (attempt 2: cannot connect zk in 1 sec) — members as of 00:00:02');
    // The members are still polled from the last known list meanwhile.
    st = poll(st, 3500, [sample('a_1', { rows: 5 })]);
    expect(st.members.a_1).toMatchObject({ reachable: true, rows: 5 });
    st = zk(st, 4000, { state: 'connected', server: '127.0.0.1:2181', sessions: 2 });
    expect(st.zk).toMatchObject({ state: 'connected', sessions: 2, since: 4000, attempt: undefined, error: undefined });
    expect(headerLines(st, 4000)[0]).toContain('zk: connected (127.0.0.1:2181) session #2');
  });

  it('scrolls the MIX log and keeps the same events in view as new ones arrive', () => {
    let st = poll(base(), 0, [sample('a_1', { mixRounds: 0 })]);
    for (let i = 1; i <= 20; i++) st = poll(st, i * 1000, [sample('a_1', { mixRounds: i, mixLastTime: i })]);
    expect(st.events).toHaveLength(20);
    expect(st.events[0]!.round).toBe(20); // newest first
    st = reducer(st, { type: 'scroll', delta: -3 });
    expect(st.eventsScroll).toBe(0);
    st = reducer(st, { type: 'scroll', delta: 5 });
    expect(st.events[st.eventsScroll]!.round).toBe(15);
    st = poll(st, 21_000, [sample('a_1', { mixRounds: 21, mixLastTime: 21 })]);
    expect(st.events[st.eventsScroll]!.round).toBe(15);
    st = reducer(st, { type: 'scroll', delta: 100 });
    expect(st.eventsScroll).toBe(20); // the oldest stays on screen
    for (let i = 22; i < 22 + MAX_EVENTS; i++) st = poll(st, i * 1000, [sample('a_1', { mixRounds: i, mixLastTime: i })]);
    expect(st.events).toHaveLength(MAX_EVENTS);
    expect(st.eventsScroll).toBe(MAX_EVENTS - 1);
  });

  it("keeps each member's own rate series, with gaps while it does not answer", () => {
    let st = poll(base(), 0, [sample('a_1', { updateCount: 0, analysisCount: 0 }), sample('b_2', { updateCount: 0 })]);
    expect(st.memberHistory).toEqual({});
    st = poll(st, 1000, [sample('a_1', { updateCount: 10, analysisCount: 3 }), sample('b_2', { updateCount: 1 })]);
    st = poll(st, 2000, [sample('a_1', { updateCount: 30, analysisCount: 3 }), { ipPort: 'b_2', active: true, reachable: false, error: 'timeout' }]);
    expect(st.memberHistory.a_1).toEqual({ update: [10, 20], analyze: [3, 0] });
    expect(st.memberHistory.b_2!.update[0]).toBe(1);
    expect(Number.isNaN(st.memberHistory.b_2!.update[1])).toBe(true);
    expect(chart(st.memberHistory.b_2!.update)).toContain('collecting');
    expect(chart(st.memberHistory.a_1!.update, 3, 40)).toMatch(/20\.0 ┤/);
  });

  it('lays out for the terminal: fewer columns when narrow, never taller than the screen', () => {
    expect(fitColumns(memberColumns('ROWS')).map((c) => c.head)).toContain('RSS');
    const narrow = fitColumns(memberColumns('ROWS'), 78).map((c) => c.head);
    expect(narrow).toEqual(['IP_PORT', 'STATE', 'UPTIME', 'ROWS', 'UPD/S', 'ANA/S', 'LAT(ms)']);
    expect(fitColumns(memberColumns('ROWS'), 10).map((c) => c.head)).toEqual(['IP_PORT', 'STATE']);
    const many = Array.from({ length: 40 }, (_, i) => sample(`10.0.0.${i}_9199`));
    let st = poll(base(), 0, many);
    st = poll(st, 1000, many);
    st = reducer(st, { type: 'select', delta: 30 });
    const L = layout(st, 80, 30, 1000);
    expect(L.memberRows).toBeLessThan(40);
    expect(L.memberStart).toBeLessThanOrEqual(30);
    expect(L.memberStart + L.memberRows).toBeGreaterThan(30);
    const wide = layout(st, 200, 80, 1000);
    expect(wide).toMatchObject({ memberRows: 40, charts: 4, chartsPerRow: 2 });
    expect(layout(st, 50, 80, 1000).chartsPerRow).toBe(1);
  });
});
