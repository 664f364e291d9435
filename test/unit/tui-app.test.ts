import { Box } from 'ink';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { TopApp, TopView } from '../../src/tui/app.js';
import { initialState, reducer, type Action, type MemberSample, type TopState } from '../../src/tui/state.js';
import { eventually } from '../harness/wait.js';

const sample = (ipPort: string, o: Partial<MemberSample> = {}): MemberSample => ({ ipPort, active: true, reachable: true, ...o });

function twoPolls(): TopState {
  let st = initialState({ source: 'zk 127.0.0.1:2181', cluster: 'nearest_neighbor/c', intervalMs: 1000 });
  st = reducer(st, { type: 'zk', at: 0, state: 'connected', server: '127.0.0.1:2181', sessions: 1 });
  st = reducer(st, { type: 'poll', at: 0, samples: [sample('10.0.0.1_9199', { updateCount: 0, mixRounds: 0, rows: 3 }), sample('10.0.0.2_9199', { updateCount: 0 })] });
  return reducer(st, { type: 'poll', at: 1000, samples: [
    sample('10.0.0.1_9199', { updateCount: 50, rows: 3, mixRounds: 1, mixLastTime: 1, mixLastDurationMs: 4, mixLastMembers: 2, mixLastBytes: 2048 }),
    { ipPort: '10.0.0.2_9199', active: true, reachable: false, error: 'connect ECONNREFUSED' },
  ] });
}

/** A cluster with a proxy, two visors and a few seconds of rates. */
function withPeers(): TopState {
  let st = initialState({ source: 'zk 127.0.0.1:2181', cluster: 'nearest_neighbor/c', intervalMs: 1000 });
  for (let i = 0; i < 5; i++) {
    st = reducer(st, {
      type: 'poll', at: i * 1000,
      samples: [sample('10.0.0.1_9199', { updateCount: i * i * 10, analysisCount: i * 5 }), sample('10.0.0.2_9199', { updateCount: i * 7, analysisCount: i * i })],
      proxies: [
        { ipPort: '10.0.0.9_9198', reachable: true, uptimeSec: 90, rssKb: 51200, requestCount: 1 + i * 31, forwardCount: i * 60 },
        { ipPort: '10.0.0.8_9198', reachable: false, error: 'connect failed: 10.0.0.8:9198' },
      ],
      visors: [{ ipPort: '10.0.0.1_9198', reachable: true, children: 2, clusterChildren: 1 }],
    });
  }
  return st;
}

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

type Rendered = ReturnType<typeof render>;

/** Waits (bounded) until `ok` holds; Ink draws frames asynchronously (and throttled). */
async function waitFor(ok: () => boolean, what: () => string): Promise<void> {
  await eventually(ok, 'a frame', 20_000, 20).catch(() => {
    throw new Error(`timed out waiting: ${what()}`);
  });
}

async function frameUntil(r: Rendered, ok: (f: string) => boolean): Promise<string> {
  await waitFor(() => ok(r.lastFrame() ?? ''), () => `frame never matched; last frame:\n${r.lastFrame()}`);
  return r.lastFrame()!;
}

async function key(r: Rendered, input: string, ok: (f: string) => boolean): Promise<string> {
  r.stdin.write(input);
  return frameUntil(r, ok);
}

describe('top view', () => {
  it('shows the header, members, MIX events and charts', () => {
    const r = render(createElement(TopView, { state: twoPolls(), now: 10_000, color: false }));
    unmount = r.unmount;
    const f = r.lastFrame()!;
    expect(f).toContain('zk: connected (127.0.0.1:2181)');
    expect(f).toContain('members 1/2');
    expect(f).toContain('update/s 50.0');
    expect(f).toMatch(/10\.0\.0\.1_9199\s+active/);
    expect(f).toMatch(/10\.0\.0\.2_9199\s+UNREACH/);
    expect(f).toContain('round=1');
    expect(f).toContain('2.0KB');
    expect(f).toContain('cluster analyze/s');
    expect(f).toContain('(collecting…)');
  });

  it('shows proxies and visors in their own sections, unreachable ones as such', () => {
    const r = render(createElement(TopView, { state: withPeers(), now: 10_000, color: false, cols: 100, rows: 50 }));
    unmount = r.unmount;
    const f = r.lastFrame()!;
    expect(f).toMatch(/Proxies \(2\)\n\s+IP_PORT\s+STATE\s+UPTIME\s+RSS\s+REQ\/S\s+FWD\/S\s+REQUESTS/);
    // 30 requests/s besides our own status call; 60 forwards/s.
    expect(f).toMatch(/10\.0\.0\.9_9198\s+up\s+1m30s\s+50\.0M\s+30\.0\s+60\.0\s+125/);
    expect(f).toMatch(/10\.0\.0\.8_9198\s+UNREACH/);
    expect(f).toMatch(/Visors \(1\)[\s\S]*10\.0\.0\.1_9198\s+up\s+2\s+1/);
    expect(f).toContain('proxies 2  visors 1');
    const none = render(createElement(TopView, { state: twoPolls(), now: 10_000, color: false }));
    expect(none.lastFrame()).not.toContain('Proxies'); // not watched (as with --server)
    none.unmount();
  });

  it("charts the selected member's own rates beside the cluster's", async () => {
    const r = render(createElement(TopApp, { initial: withPeers(), start: () => () => undefined, color: false }));
    unmount = r.unmount;
    let f = await frameUntil(r, (x) => x.includes('10.0.0.1_9199 analyze/s'));
    expect(f).toMatch(/cluster update\/s[\s\S]*┤/);
    // Its update counter went 0, 10, 40, 90, 160: rates 10, 30, 50, 70.
    expect(f).toMatch(/10\.0\.0\.1_9199 update\/s[\s\S]*70\.0 ┤/);
    f = await key(r, 'j', (x) => x.includes('10.0.0.2_9199 update/s'));
    expect(f).toMatch(/10\.0\.0\.2_9199 update\/s[\s\S]*7\.0 ┼/);
  });

  it('lays out a narrow, short terminal without overflowing it', () => {
    const st = withPeers();
    // ink-testing-library's terminal is 100 columns wide.
    const wide = render(createElement(TopView, { state: st, now: 10_000, color: false, cols: 100, rows: 50 }));
    expect(wide.lastFrame()).toMatch(/IP_PORT.*LAT\(ms\)\s+MIX\s+LASTMIX/);
    wide.unmount();
    // The view fills the terminal's width; a 72-column box stands in for a narrow terminal.
    const r = render(createElement(Box, { width: 72 }, createElement(TopView, { state: st, now: 10_000, color: false, cols: 72, rows: 24 })));
    unmount = r.unmount;
    const lines = r.lastFrame()!.split('\n');
    expect(lines.length).toBeLessThan(24);
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(72);
    const head = lines.find((l) => l.includes('IP_PORT') && l.includes('UPD/S'))!;
    expect(head).not.toMatch(/RSS|LASTMIX/);
    expect(r.lastFrame()).toMatch(/10\.0\.0\.1_9199\s+active/);
  });

  it('shows a lost ZooKeeper session and the members it last knew', () => {
    let st = twoPolls();
    st = reducer(st, { type: 'zk', at: 2000, state: 'expired', server: '', sessions: 1 });
    st = reducer(st, { type: 'zk', at: 2000, state: 'reconnecting', server: '', sessions: 1, attempt: 3, error: 'cannot connect zk in 10 sec: 127.0.0.1:2181' });
    st = reducer(st, { type: 'notice', at: 2500, text: 'watch failed: CONNECTION_LOSS' });
    const r = render(createElement(TopView, { state: st, now: 3000, color: false, cols: 100 }));
    unmount = r.unmount;
    const f = r.lastFrame()!;
    expect(f).toContain('zk: reconnecting (attempt 3: cannot connect zk in 10 sec: 127.0.0.1:2181) — members as of 00:00:02');
    expect(f).toContain('! 00:00:02 watch failed: CONNECTION_LOSS');
    expect(f).toMatch(/10\.0\.0\.1_9199\s+active/);
  });

  it('scrolls the MIX log when its pane has focus', async () => {
    let st = initialState({ source: 'server x', cluster: 'nearest_neighbor', intervalMs: 1000 });
    st = reducer(st, { type: 'poll', at: 0, samples: [sample('a_1', { mixRounds: 0 })] });
    for (let i = 1; i <= 30; i++) st = reducer(st, { type: 'poll', at: i * 1000, samples: [sample('a_1', { mixRounds: i, mixLastTime: i })] });
    const r = render(createElement(TopApp, { initial: st, start: () => () => undefined, color: false }));
    unmount = r.unmount;
    let f = await frameUntil(r, (x) => x.includes('MIX events 1–'));
    expect(f).toContain('round=30');
    f = await key(r, '\t', (x) => x.includes('▶ MIX events'));
    const page = Number(/MIX events 1–(\d+) of 30/.exec(f)?.[1]);
    expect(page).toBeGreaterThan(1);
    f = await key(r, 'j', (x) => x.includes('MIX events 2–'));
    expect(f).not.toContain('round=30');
    expect(f).toContain('round=29');
    f = await key(r, '\x1b[6~', (x) => x.includes(`MIX events ${2 + page}–`)); // PgDn
    expect(f).toContain(`round=${29 - page}`);
    f = await key(r, '\x1b[5~', (x) => x.includes('MIX events 2–')); // PgUp
    f = await key(r, 'k', (x) => x.includes('MIX events 1–'));
    f = await key(r, '\t', (x) => x.includes('▶ Members'));
  });

  it('takes polls from its source and reacts to keys', async () => {
    let feed: ((a: Action) => void) | undefined;
    let stopped = false;
    let refreshed = 0;
    const r = render(createElement(TopApp, {
      initial: initialState({ source: 'server x', cluster: 'nearest_neighbor', intervalMs: 1000 }),
      start: (d: (a: Action) => void) => { feed = d; return () => { stopped = true; }; },
      refresh: () => { refreshed++; },
      color: false,
    }));
    unmount = r.unmount;
    await frameUntil(r, (f) => f.includes('(no members)'));
    feed!({ type: 'poll', at: 0, samples: [sample('b_2', { rows: 1 }), sample('a_1', { rows: 5 })] });
    await frameUntil(r, (f) => /a_1[\s\S]*b_2/.test(f));
    await key(r, 's', (f) => f.includes('sort:rows↓')); // sort by rows, largest first
    const f = await key(r, 'S', (x) => x.includes('sort:rows↑'));
    expect(f).toMatch(/b_2[\s\S]*a_1/);
    await key(r, '?', (x) => x.includes('filter by ip_port'));
    r.stdin.write('/');
    r.stdin.write('a');
    r.stdin.write('x');
    r.stdin.write('\x7f'); // backspace
    r.stdin.write('\r');
    const filtered = await frameUntil(r, (x) => x.includes('filter: a') && !x.includes('▏'));
    expect(filtered).not.toMatch(/b_2\s/);
    await key(r, 'p', (x) => x.includes('[PAUSED]'));
    r.stdin.write('r');
    await waitFor(() => refreshed === 1, () => `refresh called ${refreshed} times`);
    r.unmount();
    unmount = undefined;
    expect(stopped).toBe(true);
  });

  it('follows the terminal when it is resized', async () => {
    const r = render(createElement(TopApp, { initial: withPeers(), start: () => () => undefined, color: false }));
    unmount = r.unmount;
    await frameUntil(r, (f) => /IP_PORT.*ANA\/S/.test(f));
    const stdout = r.stdout as unknown as NodeJS.EventEmitter & { columns: number };
    Object.defineProperty(stdout, 'columns', { value: 60, configurable: true });
    stdout.emit('resize');
    const f = await frameUntil(r, (x) => !/IP_PORT.*ROWS/.test(x));
    for (const l of f.split('\n')) expect(l.length, l).toBeLessThanOrEqual(60);
    expect(f).toMatch(/IP_PORT\s+STATE\s+UPD\/S\s+ANA\/S/);
  });

  it('ends when its source fails', async () => {
    let stopped = false;
    const r = render(createElement(TopApp, {
      initial: initialState({ source: 'zk x', cluster: 'nearest_neighbor/c', intervalMs: 1000 }),
      start: (_d: (a: Action) => void, fail: (e: Error) => void) => {
        setTimeout(() => fail(new Error('cannot read the members')), 10);
        return () => void (stopped = true);
      },
      color: false,
    }));
    unmount = r.unmount;
    // The app unmounts (command code then leaves the alternate screen and prints the error).
    await waitFor(() => stopped, () => 'the source was never stopped');
  });
});
