import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { TopApp, TopView } from '../../src/tui/app.js';
import { initialState, reducer, type Action, type MemberSample, type TopState } from '../../src/tui/state.js';

const sample = (ipPort: string, o: Partial<MemberSample> = {}): MemberSample => ({ ipPort, active: true, reachable: true, ...o });
const tick = (ms = 30): Promise<void> => new Promise((r) => setTimeout(r, ms));

function twoPolls(): TopState {
  let st = initialState({ source: 'zk 127.0.0.1:2181', cluster: 'nearest_neighbor/c', intervalMs: 1000 });
  st = reducer(st, { type: 'zk', state: 'connected', server: '127.0.0.1:2181' });
  st = reducer(st, { type: 'poll', at: 0, samples: [sample('10.0.0.1_9199', { updateCount: 0, mixRounds: 0, rows: 3 }), sample('10.0.0.2_9199', { updateCount: 0 })] });
  return reducer(st, { type: 'poll', at: 1000, samples: [
    sample('10.0.0.1_9199', { updateCount: 50, rows: 3, mixRounds: 1, mixLastTime: 1, mixLastDurationMs: 4, mixLastMembers: 2, mixLastBytes: 2048 }),
    { ipPort: '10.0.0.2_9199', active: true, reachable: false, error: 'connect ECONNREFUSED' },
  ] });
}

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

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
    expect(f).toContain('analyze/s');
    expect(f).toContain('(collecting…)');
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
    await tick();
    expect(r.lastFrame()).toContain('(no members)');
    feed!({ type: 'poll', at: 0, samples: [sample('b_2', { rows: 1 }), sample('a_1', { rows: 5 })] });
    await tick();
    expect(r.lastFrame()).toMatch(/a_1[\s\S]*b_2/);
    r.stdin.write('s'); // sort by rows, largest first
    await tick();
    expect(r.lastFrame()).toContain('sort:rows↓');
    r.stdin.write('S');
    await tick();
    expect(r.lastFrame()).toContain('sort:rows↑');
    expect(r.lastFrame()).toMatch(/b_2[\s\S]*a_1/);
    r.stdin.write('?');
    await tick();
    expect(r.lastFrame()).toContain('filter by ip_port');
    r.stdin.write('/');
    await tick();
    r.stdin.write('a');
    await tick();
    r.stdin.write('\r');
    await tick();
    expect(r.lastFrame()).toContain('filter: a');
    expect(r.lastFrame()).not.toMatch(/b_2\s/);
    r.stdin.write('p');
    await tick();
    expect(r.lastFrame()).toContain('[PAUSED]');
    r.stdin.write('r');
    await tick();
    expect(refreshed).toBe(1);
    r.unmount();
    unmount = undefined;
    expect(stopped).toBe(true);
  });
});
