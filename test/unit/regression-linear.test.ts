/**
 * The linear regressions (engine spec §7): PA's running population std (ε scaled by it, with
 * the float32 sensitivity), PA2 training exactly as PA (1.1.1's integer division), AROW by hand,
 * an empty model estimating 0, config errors naming the key, and a two-server MIX round.
 */
import { describe, expect, it } from 'vitest';
import type { Datum } from '../../src/engine/datum.js';
import { LinearRegression } from '../../src/engine/regression/linear.js';
import { regressionFactory, type RegressionEngine } from '../../src/engine/regression/service.js';
import { decodeOne } from '../../src/msgpack/reader.js';
import { MsgWriter } from '../../src/msgpack/writer.js';

const NUM = { num_rules: [{ key: '*', type: 'num' }] };
const d = (o: Record<string, number>): Datum => ({ stringValues: [], numValues: Object.entries(o), binaryValues: [] });

function make(method: string, parameter: unknown, distributed = false): RegressionEngine {
  return regressionFactory.create({ method, parameter, converter: NUM }, { owner: '127.0.0.1_9199', distributed }) as RegressionEngine;
}

describe('linear regression updates', () => {
  it('estimates 0 on an empty model', () => {
    expect(make('AROW', { regularization_weight: 1, sensitivity: 0.1 }).estimate([d({ x: 3 })])).toEqual([0]);
  });

  it('PA: ε is scaled by the population std of the targets so far', () => {
    const e = make('PA', { sensitivity: 0.1 });
    e.train([[2, d({ x: 1 })]]); // std 0: ℓ = 2, w = 2
    expect(e.estimate([d({ x: 1 })])).toEqual([2]);
    e.train([[0, d({ x: 1 })]]); // std 1: ℓ = 2 − ε, w = 2 − (2 − ε) = ε (float32 0.1)
    expect(e.estimate([d({ x: 1 })])[0]).toBe(2 - (2 - Math.fround(0.1)));
  });

  it('PA2 trains exactly like PA (1 / 2 * C is 0 in 1.1.1); PA1 caps the step at C', () => {
    const data: Array<[number, Datum]> = [[3, d({ x: 1, y: 2 })], [-1, d({ x: 0.5 })], [2.5, d({ y: -1, z: 1 })]];
    const pa = make('PA', { sensitivity: 0.2 });
    const pa2 = make('PA2', { sensitivity: 0.2, regularization_weight: 0.01 });
    pa.train(data);
    pa2.train(data);
    const probe = [d({ x: 1, y: 1, z: 1 })];
    expect(pa2.estimate(probe)).toEqual(pa.estimate(probe));
    const pa1 = make('PA1', { sensitivity: 0.2, regularization_weight: 0.25 });
    pa1.train([[10, d({ x: 1 })]]);
    expect(pa1.estimate([d({ x: 1 })])).toEqual([0.25]);
  });

  it('AROW by hand: β = 1/(V + 1/C), w = α·σ·x, σ −= β·σ²·x²', () => {
    const e = make('AROW', { regularization_weight: 1, sensitivity: 0.5 });
    // p = 0, e = 2, ℓ = 1.5, V = 1, β = 1/2, α = 0.75 → w = 0.75, σ = 0.5
    e.train([[2, d({ x: 1 })]]);
    expect(e.estimate([d({ x: 1 })])).toEqual([0.75]);
    const row = (e.driver as LinearRegression).storage.tbl.get('x@num')!;
    expect(row.vals.slice(0, 3)).toEqual([0.75, 0.5, 0]);
    expect(e.status()).toMatchObject({ num_classes: '1', num_features: '1', storage: 'local_storage' });
  });

  it('perceptron: w += lr·e·x every time', () => {
    const e = make('perceptron', { learning_rate: 0.5 });
    e.train([[4, d({ x: 1 })], [4, d({ x: 1 })]]);
    expect(e.estimate([d({ x: 1 })])).toEqual([3]);
  });

  it('clear forgets weights and the target statistics', () => {
    const e = make('PA', { sensitivity: 0.1 });
    e.train([[2, d({ x: 1 })], [0, d({ x: 1 })]]);
    e.clear();
    e.train([[2, d({ x: 1 })]]);
    expect(e.estimate([d({ x: 1 })])).toEqual([2]);
  });

  it('takes every method name; AROW has no lowercase alias', () => {
    const names: Record<string, string> = {
      perceptron: 'perceptron', PA: 'PA', passive_aggressive: 'PA', PA1: 'PA1', passive_aggressive_1: 'PA1', PA2: 'PA2',
      passive_aggressive_2: 'PA2', CW: 'CW', confidence_weighted: 'CW', AROW: 'AROW', NHERD: 'NHERD', normal_herd: 'NHERD',
    };
    const params: Record<string, unknown> = { perceptron: { learning_rate: 1 }, PA: { sensitivity: 1 } };
    for (const [name, algo] of Object.entries(names)) {
      const e = make(name, params[algo] ?? { sensitivity: 1, regularization_weight: 1 });
      expect((e.driver as LinearRegression).algorithm, name).toBe(algo);
    }
    expect(() => make('arow', { sensitivity: 1, regularization_weight: 1 })).toThrow(/^method: unknown method "arow"/);
  });
});

describe('linear regression config errors name the key', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['PA', undefined, /^parameter: /],
    ['PA', {}, /^parameter\.sensitivity: required key is missing/],
    ['PA', { sensitivity: -0.5 }, /^parameter\.sensitivity: .*0\.0 <= sensitivity/],
    ['PA1', { sensitivity: 1 }, /^parameter\.regularization_weight: required key is missing/],
    ['CW', { sensitivity: 1, regularization_weight: 0 }, /^parameter\.regularization_weight: .*0\.0 < regularization_weight/],
    ['NHERD', { sensitivity: 1, regularization_weight: 1, unlearner: 'lru' }, /^parameter\.unlearner: unknown key/],
    ['perceptron', { learning_rate: 0 }, /^parameter\.learning_rate: .*0\.0 < learning_rate/],
    ['perceptron', { learning_rate: 1, sensitivity: 1 }, /^parameter\.sensitivity: unknown key/],
  ];
  for (const [method, parameter, message] of cases) {
    it(`${method} ${JSON.stringify(parameter)}`, () => {
      expect(() => make(method, parameter)).toThrow(message);
    });
  }
});

describe('linear regression MIX', () => {
  it('two servers trained apart estimate alike after one round', () => {
    const a = make('AROW', { regularization_weight: 1, sensitivity: 0.1 }, true);
    const b = make('AROW', { regularization_weight: 1, sensitivity: 0.1 }, true);
    a.train([[1, d({ x: 1 })], [2, d({ x: 1, y: 1 })]]);
    b.train([[-1, d({ y: 2 })], [0.5, d({ z: 1 })]]);
    const probe = [d({ x: 1 }), d({ y: 1, z: 1 }), d({ x: 1, y: 1, z: 1 })];
    expect(a.estimate(probe)).not.toEqual(b.estimate(probe));
    const lms = [a.linearMixable(), b.linearMixable()];
    const diffs = lms.map((lm) => {
      const w = new MsgWriter();
      lm.packDiff(w);
      return lm.unpackDiff(decodeOne(w.toBytes()));
    });
    const mixed = lms[0]!.mixDiff(diffs[0]!, diffs[1]!);
    const w = new MsgWriter();
    lms[0]!.writeDiff(w, mixed);
    for (const lm of lms) expect(lm.putDiff(lm.unpackDiff(decodeOne(w.toBytes())))).toBe(true);
    expect(a.estimate(probe)).toEqual(b.estimate(probe));
    // x only trained on a: the average of a's delta and b's absent (0) one
    const ax = (diffs[0] as unknown[])[0] as { features: Array<{ key: string; vals: number[] }> };
    expect(a.estimate([d({ x: 1 })])[0]).toBeCloseTo(ax.features.find((f) => f.key === 'x@num')!.vals[0]! / 2, 15);
  });
});
