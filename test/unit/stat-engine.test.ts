/**
 * The stat engine against 1.1.1: the reference scenario replayed in-process, the model it saves
 * equal to 1.1.1's file (but for the push times), the MIX diff bytes of
 * shared/spec/jubatus-mix-payloads.md, entropy before and after MIX, and config errors.
 */
import { describe, expect, it } from 'vitest';
import { decodeOne } from '../../src/msgpack/reader.js';
import { MsgWriter } from '../../src/msgpack/writer.js';
import { StatEngine, statFactory } from '../../src/engine/stat/service.js';
import { replayInProcess } from '../harness/engine-replay.js';
import { fixtureModel } from '../harness/model-fixture.js';
import { loadScenario, plain } from '../harness/reference.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const make = (windowSize = 100, now = () => 1795994186): StatEngine => new StatEngine(windowSize, now);

describe('stat: the reference scenario', () => {
  const s = loadScenario('stat-default');

  it('answers every call as 1.1.1 did', () => {
    expect(replayInProcess(make(), s)).toEqual([]);
  });

  it('saves the model 1.1.1 saved (window, per-key figures, e, n), push times aside', () => {
    const e = make();
    replayInProcess(e, s);
    const w = new MsgWriter();
    e.packModel(w);
    const ours = plain(decodeOne(w.toBytes())) as unknown[];
    const theirs = plain(fixtureModel('stat-default')) as unknown[];
    const untimed = (m: unknown[]): unknown[] => [m[0], (m[1] as Array<[number, unknown]>).map(([, kv]) => kv), m[2], m[3], m[4]];
    expect(untimed(ours)).toEqual(untimed(theirs));
  });

  it('loads 1.1.1\'s file and answers the calls after the last push the same', () => {
    const e = make();
    e.unpackModel(fixtureModel('stat-default'));
    const last = s.calls.map((c) => c.method).lastIndexOf('push');
    const tail = { ...s, calls: s.calls.slice(last + 1) };
    expect(tail.calls.length).toBeGreaterThan(5);
    expect(replayInProcess(e, tail)).toEqual([]);
    const w = new MsgWriter();
    e.packModel(w);
    expect(plain(decodeOne(w.toBytes()))).toEqual(plain(fixtureModel('stat-default')));
  });
});

describe('stat: MIX', () => {
  it('get_diff after five pushes is 1.1.1\'s bytes', () => {
    const e = make();
    for (const [k, v] of [['lat', 19.652], ['hits', 5], ['const', 7], ['lat', 34.5776], ['hits', 7]] as const) e.push(k, v);
    const w = new MsgWriter();
    e.linearMixable().packDiff(w);
    expect(hex(w.toBytes())).toBe('9192cb40062e42fefa39ef05');
  });

  it('sums the members\' diffs; entropy then comes from the mixed (e, n), also after clear', () => {
    const a = make();
    const b = make();
    a.push('x', 1);
    a.push('x', 2);
    b.push('y', 3);
    b.push('z', 4);
    const m = a.linearMixable();
    const da = m.unpackDiff(decodeOne(pack((w) => m.packDiff(w))));
    const db = m.unpackDiff(decodeOne(pack((w) => b.linearMixable().packDiff(w))));
    const mixed = m.mixDiff(da, db);
    expect(mixed).toEqual([[2 * Math.log(2), 4]]);
    expect(a.entropy('')).toBeCloseTo(0, 12);
    expect(m.putDiff(mixed)).toBe(true);
    // keys x:2, y:1, z:1 of 4 → -(0.5 ln 0.5 + 2 · 0.25 ln 0.25)
    const h = -(0.5 * Math.log(0.5) + 0.5 * Math.log(0.25));
    expect(a.entropy('')).toBeCloseTo(h, 12);
    a.clear();
    expect(a.entropy('')).toBeCloseTo(h, 12);
    expect(() => a.sum('x')).toThrow('sum: key x not found');
  });
});

describe('stat: window and values', () => {
  it('evicts the oldest value of any key and rescans the extreme it took', () => {
    const e = make(3);
    e.push('a', 5);
    e.push('a', 1);
    e.push('b', 9);
    e.push('a', 3); // evicts a=5 (the max): max rescanned from 1, 3
    expect(e.max('a')).toBe(3);
    expect(e.min('a')).toBe(1);
    expect(e.sum('a')).toBe(4);
    e.push('c', 0); // evicts a=1 (the min)
    expect(e.min('a')).toBe(3);
    e.push('c', 0); // evicts b
    expect(() => e.max('b')).toThrow('max: key b not found');
    expect(e.moment('b', -1, 0)).toBe(-1);
    expect(() => e.moment('b', 0, 0)).toThrow('moment: key b not found');
  });

  it('moments of degree 3 and more scan the window', () => {
    const e = make(10);
    for (const v of [1, 2, 4]) e.push('k', v);
    e.push('other', 100);
    expect(e.moment('k', 3, 1)).toBeCloseTo((0 + 1 + 27) / 3, 12);
    expect(e.moment('k', 2, 0)).toBeCloseTo(21 / 3, 12);
    expect(e.stddev('k')).toBeCloseTo(Math.sqrt(21 / 3 - (7 / 3) ** 2), 12);
  });

  it('refuses non-finite values without storing them', () => {
    const e = make();
    e.push('k', 2);
    expect(() => e.push('k', NaN)).toThrow(/not finite/);
    expect(() => e.push('k', Infinity)).toThrow(/not finite/);
    expect(e.sum('k')).toBe(2);
    expect(e.status().window_count).toBe('1');
  });
});

describe('stat: config', () => {
  it('takes window_size ≥ 1 only, and no other key', () => {
    expect(statFactory.create({ window_size: 128 }, { owner: 'x_1' }).type).toBe('stat');
    expect(() => statFactory.create({ window_size: 0 }, { owner: 'x_1' })).toThrow(/window_size/);
    expect(() => statFactory.create({ window_size: 1.5 }, { owner: 'x_1' })).toThrow(/window_size/);
    expect(() => statFactory.create({}, { owner: 'x_1' })).toThrow(/window_size: required/);
    expect(() => statFactory.create({ window_size: 4, method: 'x' }, { owner: 'x_1' })).toThrow(/method/);
  });
});

function pack(f: (w: MsgWriter) => void): Uint8Array {
  const w = new MsgWriter();
  f(w);
  return w.toBytes();
}
