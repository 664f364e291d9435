import { describe, expect, it } from 'vitest';
import { AWAIT_MERGE_CEILING, AWAIT_MERGE_FLOOR, AwaitBudget } from '../../src/stream/await-budget.js';
import { describeWaits, stallAfterMs } from '../../src/stream/durable-note.js';

const mix = (intervalSec: number, intervalCount = 0, members = 3) => ({ intervalSec, intervalCount, members, reported: members });

describe('juba feed --durable: the --await-merge size', () => {
  it('a given --await-merge stays as given', () => {
    const b = new AwaitBudget(50, () => 0);
    b.update(1_000_000, 50, mix(5));
    expect(b.limit).toBe(50);
    expect(b.sized).toBe(false);
  });

  it('sized to the measured rate times (interval + 1 s), between the floor and the ceiling', () => {
    let now = 0;
    const b = new AwaitBudget(undefined, () => now);
    expect(b.limit).toBe(AWAIT_MERGE_FLOOR);
    b.update(0, 0, mix(5));
    now = 1000;
    b.update(4000, 100, mix(5)); // 4,000 rows/s, MIX every 5 s
    expect(b.limit).toBe(24_000);
    now = 2000;
    b.update(4100, 100, mix(5)); // 2,050 rows/s over the window: shrinks by a tenth at most
    expect(b.limit).toBe(21_600);
    now = 3000;
    b.update(4100 + 200_000, 100, mix(5));
    expect(b.limit).toBe(AWAIT_MERGE_CEILING);
  });

  it('the rate is measured over the last few seconds only; an idle feed shrinks back to the floor', () => {
    let now = 0;
    const b = new AwaitBudget(undefined, () => now);
    b.update(0, 0, mix(1));
    for (let t = 1; t <= 60; t++) {
      now = t * 1000;
      b.update(t <= 10 ? t * 10_000 : 100_000, 0, mix(1)); // 10,000 rows/s, then nothing
    }
    expect(b.limit).toBe(AWAIT_MERGE_FLOOR);
  });

  it('a full budget doubles: a burst that all waits for one round measures too low a rate', () => {
    let now = 0;
    const b = new AwaitBudget(undefined, () => now);
    b.update(0, 0, mix(5));
    for (let t = 1; t <= 2; t++) {
      now = t * 500;
      b.update(t * 100, b.limit, mix(5)); // 200 rows/s applied, the budget full: waiting for the round
    }
    expect(b.limit).toBe(4 * AWAIT_MERGE_FLOOR);
    b.update(300, b.limit, mix(5));
    expect(b.limit).toBe(AWAIT_MERGE_CEILING);
  });

  it('with a count trigger only, twice the count across the members; no trigger, the floor', () => {
    const b = new AwaitBudget(undefined, () => 0);
    b.update(0, 0, mix(0, 2000, 3));
    expect(b.limit).toBe(12_000);
    const c = new AwaitBudget(undefined, () => 0);
    c.update(0, 0, mix(0, 0, 3));
    expect(c.limit).toBe(AWAIT_MERGE_FLOOR);
  });
});

describe('juba feed --durable: what the progress line says it waits for', () => {
  const base = { awaiting: 10, limit: 1000, zkFailing: null, mix: mix(1), stalled: [], quietMs: 0 };

  it('nothing while merges come', () => {
    expect(describeWaits(base)).toBe('');
  });

  it('a full --await-merge with no MIX trigger: a MIX that is not coming', () => {
    const s = describeWaits({ ...base, awaiting: 1000, mix: mix(0) });
    expect(s).toBe('--await-merge full (1000): waiting for a MIX that is not coming (the servers run no interval MIX, -s 0 -i 0; run juba ctl mix)');
    expect(describeWaits({ ...base, mix: mix(0) })).toBe('the servers run no interval MIX (-s 0 -i 0): messages wait for juba ctl mix');
    expect(describeWaits({ ...base, mix: { ...mix(0), reported: 0 } })).toBe(''); // not known yet
  });

  it('a full --await-merge with a trigger but no merge for 5 s: a stalled mixer', () => {
    expect(describeWaits({ ...base, awaiting: 1000, quietMs: 12_000 }))
      .toBe('--await-merge full (1000): waiting for a MIX that is not coming (none for 12 s; is the mixer stalled? run juba ctl mix)');
  });

  it('names the servers in nodes/ that hold messages and merge nothing', () => {
    const s = describeWaits({
      ...base, quietMs: 40_000, zkFailing: 'connection loss',
      stalled: [
        { server: '127.0.0.1:9181', waiting: 812, quietMs: 42_000, silentMs: 0, inNodes: true },
        { server: '127.0.0.1:9182', waiting: 5, quietMs: 41_000, silentMs: 9_000, inNodes: true },
        { server: '127.0.0.1:9183', waiting: 1, quietMs: 40_000, silentMs: 0, inNodes: false },
      ],
    });
    expect(s).toBe('ZooKeeper: connection loss · waiting for a MIX on 127.0.0.1:9181: 812 waiting, no merge for 42 s (in nodes/, answering); ' +
      '127.0.0.1:9182: 5 waiting, no merge for 41 s (in nodes/, no answer for 9 s), and 1 more server(s)');
  });

  it('a long wait is said even when no server can be named', () => {
    expect(describeWaits({ ...base, quietMs: 12_000 })).toBe('10 waiting for a MIX, none merged for 12 s');
  });

  it('a server is named after three intervals without a merge, at least 10 s', () => {
    expect(stallAfterMs(mix(1))).toBe(10_000);
    expect(stallAfterMs(mix(30))).toBe(90_000);
  });
});
