/**
 * The burst engine against 1.1.1: the reference scenario replayed in-process (windows, batch
 * counts, Viterbi weights, reuse, infinite weights), the saved model equal to 1.1.1's file, the
 * MIX diff bytes of shared/spec/jubatus-mix-payloads.md, MIX merging, and config errors.
 */
import { describe, expect, it } from 'vitest';
import { decodeOne } from '../../src/msgpack/reader.js';
import { MsgWriter } from '../../src/msgpack/writer.js';
import { BurstEngine, burstFactory } from '../../src/engine/burst/service.js';
import { burstDetect, lnFactorial } from '../../src/engine/burst/detect.js';
import { replayInProcess } from '../harness/engine-replay.js';
import { fixtureModel } from '../harness/model-fixture.js';
import { fixtureModelBytes } from '../harness/model-bytes.js';
import { configOf, loadScenario, plain } from '../harness/reference.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const opts = { owner: 'x_1' };
const s = loadScenario('burst-burst');
const make = (): BurstEngine => burstFactory.create(JSON.parse(configOf(s)), opts);

function pack(f: (w: MsgWriter) => void): Uint8Array {
  const w = new MsgWriter();
  f(w);
  return w.toBytes();
}

describe('burst: the reference scenario', () => {
  it('answers every call as 1.1.1 did', () => {
    expect(replayInProcess(make(), s)).toEqual([]);
  });

  it('saves the model 1.1.1 saved, and lists keywords in its status as 1.1.1', () => {
    const e = make();
    replayInProcess(e, s);
    expect(plain(decodeOne(pack((w) => e.packModel(w))))).toEqual(plain(fixtureModel('burst-burst')));
    expect(hex(pack((w) => e.packModel(w)))).toBe(hex(fixtureModelBytes('burst-burst')));
    const want = (s.calls.at(-1)!.result as Record<string, Record<string, string>>)['<server>']!;
    expect(e.status().all_keywords).toBe(want.all_keywords);
    expect(e.status().processed_keywords).toBe(want.processed_keywords);
  });

  it('loads 1.1.1\'s file, answers the final calls the same and packs it back', () => {
    const e = make();
    e.unpackModel(fixtureModel('burst-burst'));
    const tail = { ...s, calls: s.calls.slice(-3) };
    expect(tail.calls.map((c) => c.method)).toEqual(['get_result', 'get_all_bursted_results', 'get_status']);
    expect(replayInProcess(e, tail)).toEqual([]);
    expect(plain(decodeOne(pack((w) => e.packModel(w))))).toEqual(plain(fixtureModel('burst-burst')));
  });
});

describe('burst: MIX', () => {
  it('get_diff after the first update calls is 1.1.1\'s bytes', () => {
    const e = make();
    const upto = s.calls.findIndex((c, i) => i > 5 && c.method === 'add_keyword' && (c.args[0] as unknown[])[0] === 'storm');
    expect(replayInProcess(e, s, upto)).toEqual([]);
    const want = `91 91 84 a5 73 74 6f 72 6d 92 92 cb 40 00 00 00 00 00 00 00 cb 3f f0 00 00 00 00 00 00 91 93 95
93 00 00 cb 00 00 00 00 00 00 00 00 93 00 00 cb 00 00 00 00 00 00 00 00 93 18 01 cb 00 00 00 00
00 00 00 00 93 14 01 cb 00 00 00 00 00 00 00 00 93 00 00 cb 00 00 00 00 00 00 00 00 cb c0 34 00
00 00 00 00 00 cb 40 24 00 00 00 00 00 00 a8 66 65 73 74 69 76 61 6c 92 92 cb 40 04 00 00 00 00
00 00 cb 3f f0 00 00 00 00 00 00 91 93 95 93 00 00 cb 00 00 00 00 00 00 00 00 93 00 00 cb 00 00
00 00 00 00 00 00 93 18 01 cb 00 00 00 00 00 00 00 00 93 14 00 cb 00 00 00 00 00 00 00 00 93 00
00 cb 00 00 00 00 00 00 00 00 cb c0 34 00 00 00 00 00 00 cb 40 24 00 00 00 00 00 00 a7 6a 75 62
61 74 75 73 92 92 cb 40 00 00 00 00 00 00 00 cb 3f e0 00 00 00 00 00 00 90 a5 71 75 69 65 74 92
92 cb 40 08 00 00 00 00 00 00 cb 40 00 00 00 00 00 00 00 90`.replace(/\s+/g, '');
    expect(hex(pack((w) => e.linearMixable().packDiff(w)))).toBe(want);
  });

  it('a member that does not process a keyword gets its results through MIX; the fuller result wins', () => {
    const a = new BurstEngine(make().options);
    const b = new BurstEngine(make().options, (k) => k !== 'storm');
    for (const e of [a, b]) {
      e.add_keyword(['storm', 2, 1]);
      e.add_keyword(['calm', 2, 1]);
    }
    a.add_documents([[1, 'storm'], [2, 'calm'], [11, 'storm']]);
    b.add_documents([[1, 'storm'], [2, 'calm']]);
    expect(b.get_result('storm')).toEqual([-1, []]);
    const m = a.linearMixable();
    const da = m.unpackDiff(decodeOne(pack((w) => m.packDiff(w))));
    const db = m.unpackDiff(decodeOne(pack((w) => b.linearMixable().packDiff(w))));
    const mixed = pack((w) => m.writeDiff(w, m.mixDiff(da, db)));
    for (const e of [a, b]) expect(e.linearMixable().putDiff(m.unpackDiff(decodeOne(mixed)))).toBe(true);
    expect(b.get_result('storm')).toEqual(a.get_result('storm'));
    // calm: a counted 3 documents, b 2; both keep a's
    expect(b.get_result('calm')).toEqual(a.get_result('calm'));
    expect((a.get_result('calm')[1] as Array<[number, number, number]>).reduce((x, y) => x + y[0], 0)).toBe(3);
    expect(b.hasBeenMixed()).toBe(true);
  });
});

describe('burst: detection', () => {
  it('ln k! agrees with the log of the factorial across the table/Stirling switch', () => {
    let f = 0;
    for (let k = 1; k <= 3000; k++) {
      f += Math.log(k);
      expect(Math.abs(lnFactorial(k) - f)).toBeLessThan(1e-9 * Math.max(1, f));
    }
  });

  it('p0 = 0 → all 0; p1 > 1 → all ∞; a burst of relevant documents is weighted', () => {
    const d = Int32Array.from([10, 10, 10, 10, 10]);
    expect(burstDetect(d, new Int32Array(5), [-1, -1, -1, -1, -1], 2, 1, Number.MAX_VALUE)).toEqual([0, 0, 0, 0, 0]);
    expect(burstDetect(d, Int32Array.from([6, 6, 6, 6, 6]), [-1, -1, -1, -1, -1], 2, 1, Number.MAX_VALUE)).toEqual(Array(5).fill(Infinity));
    const w = burstDetect(d, Int32Array.from([1, 0, 9, 1, 0]), [-1, -1, -1, -1, -1], 2, 1, Number.MAX_VALUE);
    expect(w[2]).toBeGreaterThan(0);
    expect([w[0], w[1], w[3], w[4]]).toEqual([0, 0, 0, 0]);
  });
});

describe('burst: config', () => {
  const bad = (p: Record<string, unknown>, re: RegExp): void => {
    const base = { window_batch_size: 5, batch_interval: 10, max_reuse_batch_num: 5, costcut_threshold: -1, result_window_rotate_size: 5 };
    expect(() => burstFactory.create({ method: 'burst', parameter: { ...base, ...p } }, opts)).toThrow(re);
  };
  it('names the offending key', () => {
    bad({ window_batch_size: 0 }, /parameter\.window_batch_size/);
    bad({ batch_interval: 0 }, /parameter\.batch_interval/);
    bad({ result_window_rotate_size: 0 }, /parameter\.result_window_rotate_size/);
    bad({ max_reuse_batch_num: -1 }, /parameter\.max_reuse_batch_num/);
    bad({ window_batch_size: 2.5 }, /parameter\.window_batch_size: expected an integer/);
    bad({ extra: 1 }, /parameter\.extra: unknown key/);
    expect(() => burstFactory.create({ method: 'burst' }, opts)).toThrow(/parameter: required/);
  });
  it('refuses keywords 1.1.1 refuses', () => {
    const e = make();
    expect(() => e.add_keyword(['k', 1, 1])).toThrow('invalid parameter (expected: scaling_param must be > 1.)');
    expect(() => e.add_keyword(['k', 2, 0])).toThrow('invalid parameter (expected: gamma must be > 0.)');
  });
});

describe('burst: keywords split by ownership', () => {
  it('counts only its own keywords, and re-reads ownership after the first MIX and when members change', () => {
    let mine = new Set(['a']);
    const e = new BurstEngine(make().options, (k) => mine.has(k));
    e.add_keyword(['a', 2, 1]);
    e.add_keyword(['b', 2, 1]);
    expect(e.status().processed_keywords).toBe('a');
    expect(e.status().all_keywords).toBe('b,a');
    mine = new Set(['b']);
    e.membersChanged(); // not following members before the first MIX (as 1.1.1)
    expect(e.status().processed_keywords).toBe('a');
    e.putDiff(new Map());
    e.add_documents([[1, 'b']]);
    // b is ours now; a keeps being counted for 5 more MIXes, then is dropped
    expect(e.status().processed_keywords.split(',').sort()).toEqual(['a', 'b']);
    for (let i = 0; i < 4; i++) e.putDiff(new Map());
    expect(e.status().processed_keywords.split(',').sort()).toEqual(['a', 'b']);
    e.putDiff(new Map());
    expect(e.status().processed_keywords).toBe('b');
    mine = new Set(['a', 'b']);
    e.membersChanged();
    expect(e.status().processed_keywords.split(',').sort()).toEqual(['a', 'b']);
  });
});

describe('burst: positions', () => {
  it('a document at a non-finite position is not counted and opens no window', () => {
    const e = make();
    e.add_keyword(['k', 2, 1]);
    expect(e.add_documents([[NaN, 'k'], [Infinity, 'k'], [-Infinity, 'k']])).toBe(0);
    expect(e.get_result('k')).toEqual([-1, []]);
    expect(e.add_documents([[3, 'k'], [NaN, 'k']])).toBe(1);
    // a keyword in every document: p1 > 1, every batch weighs ∞ (as 1.1.1's "late" keyword)
    expect(e.get_result('k')).toEqual([-20, [[0, 0, Infinity], [0, 0, Infinity], [1, 1, Infinity], [0, 0, Infinity], [0, 0, Infinity]]]);
  });
});
