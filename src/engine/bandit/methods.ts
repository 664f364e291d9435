/**
 * The six arm-selection strategies of 1.1.1 (engine spec §12) and their config. Each one draws
 * from its MT19937 exactly as `core/bandit/<method>.cpp` does, so with a `seed` the arms picked
 * are 1.1.1's.
 */
import { ConfigError } from '../../errors.js';
import { asObject, checkKeys, child, optBool, optInt, optNumber, type JsonObject } from '../config-cast.js';
import { MtRandom } from '../common/mt-random.js';
import type { SummationStorage } from './storage.js';

export interface BanditParams {
  assumeUnrewarded: boolean;
  /** undefined: a clock seed, as 1.1.1 without `seed`. */
  seed?: number;
  epsilon?: number;
  decreasingRate?: number;
  tau?: number;
  gamma?: number;
}

export interface Strategy {
  /** Picks an arm (the arm list is not empty). */
  select(s: SummationStorage, player: string): string;
  /** Stores a reward; the strategies that check the arm answer false for an unknown one. */
  reward(s: SummationStorage, player: string, arm: string, reward: number): boolean;
}

/** 1.1.1's answer to select_arm before any arm exists. */
export function noArms(): Error {
  return new Error('arm is not registered');
}

/** argmax of the mean reward, the first arm on ties. */
function greedy(s: SummationStorage, player: string): string {
  const arms = s.arms;
  let result = arms[0]!;
  let best = s.expectation(player, result);
  for (let i = 1; i < arms.length; i++) {
    const e = s.expectation(player, arms[i]!);
    if (e > best) {
      result = arms[i]!;
      best = e;
    }
  }
  return result;
}

/** select_by_weights: the first arm whose running weight passes total · u. */
function byWeights(weights: number[], rand: MtRandom): number {
  let total = 0;
  for (const w of weights) total += w;
  const x = total * rand.nextDouble();
  let w = 0;
  for (let i = 0; i < weights.length - 1; i++) {
    w += weights[i]!;
    if (x < w) return i;
  }
  return weights.length - 1;
}

const plainReward = (s: SummationStorage, player: string, arm: string, reward: number): boolean => s.registerReward(player, arm, reward);

function epsilonStrategy(epsilonOf: (s: SummationStorage, player: string) => number, rand: MtRandom): Strategy {
  return {
    select(s, player) {
      const eps = epsilonOf(s, player);
      return rand.nextDouble() < eps ? s.arms[rand.nextIntBelow(s.arms.length)]! : greedy(s, player);
    },
    reward: plainReward,
  };
}

function exp3Weights(s: SummationStorage, player: string, gamma: number): number[] {
  const n = s.arms.length;
  const ws = s.arms.map((a) => Math.exp(s.armInfo(player, a).weight));
  let total = 0;
  for (const w of ws) total += w;
  return ws.map((w) => ((1.0 - gamma) * w) / total + gamma / n);
}

export function makeStrategy(method: string, p: BanditParams): Strategy {
  const rand = new MtRandom(p.seed ?? MtRandom.clockSeed());
  switch (method) {
    case 'ucb1':
      return {
        select(s, player) {
          const logTotal = Math.log(s.totalTrials(player));
          let best = -Number.MAX_VALUE;
          let result = '';
          for (const arm of s.arms) {
            const a = s.armInfo(player, arm);
            if (a.trials === 0) return arm;
            const score = a.weight / a.trials + Math.sqrt((2 * logTotal) / a.trials);
            if (score > best) {
              best = score;
              result = arm;
            }
          }
          return result;
        },
        reward: plainReward,
      };
    case 'epsilon_greedy':
      return epsilonStrategy(() => p.epsilon!, rand);
    case 'epsilon_decreasing':
      return epsilonStrategy((s, player) => {
        const t = s.totalTrials(player) + 1;
        const eps = (5 * s.arms.length * (Math.log(t) / t)) / (p.decreasingRate! * p.decreasingRate!);
        return Math.min(1.0, eps);
      }, rand);
    case 'softmax':
      return {
        select: (s, player) => s.arms[byWeights(s.arms.map((a) => Math.exp(s.expectation(player, a) / p.tau!)), rand)]!,
        reward: plainReward,
      };
    case 'exp3':
      return {
        select: (s, player) => s.arms[byWeights(exp3Weights(s, player, p.gamma!), rand)]!,
        reward(s, player, arm, reward) {
          const i = s.arms.indexOf(arm);
          if (i < 0) return false;
          const w = exp3Weights(s, player, p.gamma!);
          return s.registerReward(player, arm, ((reward / w[i]!) * p.gamma!) / s.arms.length);
        },
      };
    case 'ts':
      return {
        select(s, player) {
          let best = -Number.MAX_VALUE;
          let result = '';
          for (const arm of s.arms) {
            const a = s.armInfo(player, arm);
            const score = rand.nextBeta(a.weight + 1.0, a.trials - a.weight + 1.0);
            if (score > best) {
              best = score;
              result = arm;
            }
          }
          return result;
        },
        reward(s, player, arm, reward) {
          // Thompson sampling's Beta posterior only knows success or failure.
          if (reward !== 0.0 && reward !== 1.0) throw new Error('reward is not in {0,1}');
          if (!s.arms.includes(arm)) return false;
          return s.registerReward(player, arm, reward);
        },
      };
    default:
      throw new ConfigError('method', `unknown method "${method}"`);
  }
}

/** The `parameter` keys each method takes (1.1.1's config structs, checked for redundant keys). */
const EXTRA: Record<string, readonly string[]> = {
  ucb1: [],
  epsilon_greedy: ['epsilon', 'seed'],
  epsilon_decreasing: ['decreasing_rate', 'seed'],
  softmax: ['tau', 'seed'],
  exp3: ['gamma', 'seed'],
  ts: ['seed'],
};

export const BANDIT_METHODS = Object.keys(EXTRA);

function reqNumber(obj: JsonObject, key: string, path: string): number {
  const v = optNumber(obj, key, path);
  if (v === undefined) throw new ConfigError(child(path, key), 'required key is missing');
  return v;
}

export function parseBanditParams(method: string, parameter: unknown): BanditParams {
  const path = 'parameter';
  if (parameter === undefined || parameter === null) throw new ConfigError(path, 'parameter block is not specified in config');
  const obj = asObject(parameter, path);
  checkKeys(obj, ['assume_unrewarded', ...EXTRA[method]!], path);
  const assumeUnrewarded = optBool(obj, 'assume_unrewarded', path);
  if (assumeUnrewarded === undefined) throw new ConfigError(child(path, 'assume_unrewarded'), 'required key is missing');
  const p: BanditParams = { assumeUnrewarded };
  if (method !== 'ucb1') {
    const seed = optInt(obj, 'seed', path);
    if (seed !== undefined && (seed < 0 || seed > 0xffffffff)) {
      throw new ConfigError(child(path, 'seed'), `seed must be within unsigned 32 bit integer, got ${seed}`);
    }
    p.seed = seed;
  }
  const bad = (key: string, rule: string, v: number): ConfigError => new ConfigError(child(path, key), `invalid parameter (${rule}), got ${v}`);
  if (method === 'epsilon_greedy') {
    p.epsilon = reqNumber(obj, 'epsilon', path);
    if (p.epsilon < 0 || p.epsilon > 1) throw bad('epsilon', '0 <= epsilon <= 1', p.epsilon);
  } else if (method === 'epsilon_decreasing') {
    p.decreasingRate = reqNumber(obj, 'decreasing_rate', path);
    if (p.decreasingRate <= 0 || p.decreasingRate >= 1) throw bad('decreasing_rate', '0 < d < 1', p.decreasingRate);
  } else if (method === 'softmax') {
    p.tau = reqNumber(obj, 'tau', path);
    if (p.tau <= 0) throw bad('tau', '0 < tau', p.tau);
  } else if (method === 'exp3') {
    p.gamma = reqNumber(obj, 'gamma', path);
    if (p.gamma <= 0 || p.gamma > 1) throw bad('gamma', '0 < gamma <= 1', p.gamma);
  }
  return p;
}
