/**
 * The bandit engine against 1.1.1: every reference scenario replayed in-process (the seeded
 * random strategies must pick 1.1.1's arms, i.e. draw MT19937 as 1.1.1 does), the saved model
 * equal to 1.1.1's file, the MIX diff bytes of shared/spec/jubatus-mix-payloads.md, MIX sums,
 * and config errors naming the key.
 */
import { describe, expect, it } from 'vitest';
import { decodeOne } from '../../src/msgpack/reader.js';
import { MsgWriter } from '../../src/msgpack/writer.js';
import { banditFactory, createBandit } from '../../src/engine/bandit/service.js';
import { MtRandom } from '../../src/engine/common/mt-random.js';
import { Mt19937 } from '../../src/engine/common/mt19937.js';
import { replayInProcess } from '../harness/engine-replay.js';
import { fixtureModel } from '../harness/model-fixture.js';
import { fixtureModelBytes } from '../harness/model-bytes.js';
import { configOf, loadScenario, plain, scenarioNames } from '../harness/reference.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const opts = { owner: 'x_1' };

function pack(f: (w: MsgWriter) => void): Uint8Array {
  const w = new MsgWriter();
  f(w);
  return w.toBytes();
}

describe('bandit: the reference scenarios', () => {
  const names = scenarioNames('bandit');
  it('cover the six methods', () => {
    expect(names).toHaveLength(6);
  });

  for (const name of names) {
    it(`${name}: every call answers as 1.1.1, and the saved model is 1.1.1's`, () => {
      const s = loadScenario(name);
      const e = banditFactory.create(JSON.parse(configOf(s)), opts);
      expect(replayInProcess(e, s)).toEqual([]);
      expect(plain(decodeOne(pack((w) => e.packModel(w))))).toEqual(plain(fixtureModel(name)));
      expect(hex(pack((w) => e.packModel(w)))).toBe(hex(fixtureModelBytes(name)));
    });

    it(`${name}: 1.1.1's model file loads and packs back the same`, () => {
      const s = loadScenario(name);
      const e = banditFactory.create(JSON.parse(configOf(s)), opts);
      e.unpackModel(fixtureModel(name));
      const last = s.calls.at(-2)!;
      expect(last.method).toBe('get_arm_info');
      expect(replayInProcess(e, { ...s, calls: [last] })).toEqual([]);
      expect(plain(decodeOne(pack((w) => e.packModel(w))))).toEqual(plain(fixtureModel(name)));
    });
  }
});

describe('bandit: MIX', () => {
  it('get_diff after the first five calls of the ucb1 scenario is 1.1.1\'s bytes', () => {
    const s = loadScenario('bandit-ucb1');
    const e = banditFactory.create(JSON.parse(configOf(s)), opts);
    expect(replayInProcess(e, s, 6)).toEqual([]);
    // [{"p0": [1, {"a1": [0, 0.0], "a0": [1, 0.0]}]}]
    expect(hex(pack((w) => e.linearMixable().packDiff(w)))).toBe(
      '91 81 a2 70 30 92 01 82 a2 61 31 92 00 cb 00 00 00 00 00 00 00 00 a2 61 30 92 01 cb 00 00 00 00 00 00 00 00'.replace(/ /g, ''),
    );
  });

  it('sums the members\' unmixed tables into mixed; reads see mixed + unmixed', () => {
    const cfg = { method: 'ucb1', parameter: { assume_unrewarded: false } };
    const a = createBandit(cfg);
    const b = createBandit(cfg);
    for (const x of [a, b]) {
      x.register_arm('x');
      x.register_arm('y');
    }
    a.register_reward('p', 'x', 1);
    b.register_reward('p', 'x', 0.5);
    b.register_reward('q', 'y', 2);
    const m = a.linearMixable();
    const da = m.unpackDiff(decodeOne(pack((w) => m.packDiff(w))));
    const db = m.unpackDiff(decodeOne(pack((w) => b.linearMixable().packDiff(w))));
    const mixed = m.mixDiff(da, db);
    const bytes = pack((w) => m.writeDiff(w, mixed));
    expect(m.putDiff(m.unpackDiff(decodeOne(bytes)))).toBe(true);
    expect(b.linearMixable().putDiff(m.unpackDiff(decodeOne(bytes)))).toBe(true);
    for (const x of [a, b]) {
      expect(Object.fromEntries(x.get_arm_info('p'))).toEqual({ x: [2, 1.5], y: [0, 0] });
      expect(Object.fromEntries(x.get_arm_info('q'))).toEqual({ x: [0, 0], y: [1, 2] });
    }
    // unmixed was emptied: the next diff is empty
    expect(hex(pack((w) => m.packDiff(w)))).toBe('9180');
    a.register_reward('p', 'y', 1);
    expect(Object.fromEntries(a.get_arm_info('p'))).toEqual({ x: [2, 1.5], y: [1, 1] });
    expect(a.reset('p')).toBe(true);
    expect(a.reset('p')).toBe(false);
  });
});

describe('bandit: strategies', () => {
  it('assume_unrewarded counts the trial at select_arm, not at the reward', () => {
    const e = createBandit({ method: 'epsilon_greedy', parameter: { assume_unrewarded: true, epsilon: 0, seed: 1 } });
    e.register_arm('a');
    e.register_arm('b');
    expect(e.select_arm('p')).toBe('a');
    expect(e.register_reward('p', 'b', 3)).toBe(true);
    expect(Object.fromEntries(e.get_arm_info('p'))).toEqual({ a: [1, 0], b: [0, 3] });
  });

  it('MtRandom draws the words mtrand draws: doubles from two words, Gaussians sin then the stocked cos', () => {
    const r = new MtRandom(5489);
    const twin = new Mt19937(5489);
    // MT19937's reference output for seed 5489 starts 3499211612, 581869302.
    expect(twin.nextInt()).toBe(3499211612);
    expect(twin.nextInt()).toBe(581869302);
    expect(r.nextDouble()).toBe(((3499211612 >>> 5) * 67108864 + (581869302 >>> 6)) / 9007199254740992);
    const a = 1.0 - twin.nextDouble();
    const b = 1.0 - twin.nextDouble();
    const radius = Math.sqrt(-2.0 * Math.log(a));
    expect(r.nextGaussian()).toBe(radius * Math.sin(2.0 * Math.PI * b));
    expect(r.nextGaussian()).toBe(radius * Math.cos(2.0 * Math.PI * b));
    expect(r.nextDouble()).toBe(twin.nextDouble());
    expect(MtRandom.clockSeed(1_000_000_123)).toBe((1_000_000 * 1_000_000 + 123_000) % 2 ** 32);
  });

  it('MtRandom\'s Beta draws have the Beta mean (Gamma both branches)', () => {
    const r = new MtRandom(5);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < 20000; i++) {
      s1 += r.nextBeta(1, 3);
      s2 += r.nextBeta(4, 2);
    }
    expect(s1 / 20000).toBeCloseTo(0.25, 2);
    expect(s2 / 20000).toBeCloseTo(4 / 6, 2);
  });

  it('unknown arms: ucb1-like methods throw 1.1.1\'s error, exp3/ts answer false', () => {
    const u = createBandit({ method: 'softmax', parameter: { assume_unrewarded: false, tau: 1, seed: 3 } });
    u.register_arm('a');
    expect(() => u.register_reward('p', 'zz', 1)).toThrow('arm_id is not registered: zz');
    const x = createBandit({ method: 'exp3', parameter: { assume_unrewarded: false, gamma: 0.5, seed: 3 } });
    expect(() => x.select_arm('p')).toThrow('arm is not registered');
    x.register_arm('a');
    expect(x.register_reward('p', 'zz', 1)).toBe(false);
  });
});

describe('bandit: config', () => {
  const bad = (cfg: unknown, re: RegExp): void => {
    expect(() => banditFactory.create(cfg, opts)).toThrow(re);
  };
  it('names the offending key', () => {
    bad({ method: 'ucb1' }, /parameter: parameter block is not specified/);
    bad({ method: 'ucb1', parameter: { assume_unrewarded: false, seed: 1 } }, /parameter\.seed: unknown key/);
    bad({ method: 'nope', parameter: {} }, /method: unknown method "nope"/);
    bad({ method: 'epsilon_greedy', parameter: { assume_unrewarded: false, epsilon: 2 } }, /parameter\.epsilon: .*0 <= epsilon <= 1/);
    bad({ method: 'epsilon_greedy', parameter: { assume_unrewarded: false } }, /parameter\.epsilon: required/);
    bad({ method: 'epsilon_decreasing', parameter: { assume_unrewarded: false, decreasing_rate: 1 } }, /parameter\.decreasing_rate/);
    bad({ method: 'softmax', parameter: { assume_unrewarded: false, tau: 0 } }, /parameter\.tau/);
    bad({ method: 'exp3', parameter: { assume_unrewarded: false, gamma: 0 } }, /parameter\.gamma/);
    bad({ method: 'ts', parameter: { assume_unrewarded: false, seed: -1 } }, /parameter\.seed: seed must be within unsigned 32 bit/);
    bad({ method: 'ts', parameter: { seed: 1 } }, /parameter\.assume_unrewarded: required/);
    bad({ method: 'ts', parameter: { assume_unrewarded: 1 } }, /parameter\.assume_unrewarded: expected a boolean/);
  });
});
