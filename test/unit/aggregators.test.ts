import { describe, expect, it } from 'vitest';
import { aggregate } from '../../src/idl/aggregators.js';

describe('aggregate (framework spec §5.3)', () => {
  it('returns undefined for zero results and a single result as is', () => {
    for (const name of ['pass', 'all_and', 'all_or', 'concat', 'merge', 'add'] as const) {
      expect(aggregate(name, [])).toBeUndefined();
    }
    const only = new Map([['a', '1']]);
    expect(aggregate('merge', [only])).toBe(only);
    expect(aggregate('concat', [[1]])).toEqual([1]);
  });

  it('pass keeps the first value in completion order', () => {
    expect(aggregate('pass', ['first', 'second', 'third'])).toBe('first');
  });

  it('all_and / all_or', () => {
    expect(aggregate('all_and', [true, true, true])).toBe(true);
    expect(aggregate('all_and', [true, false, true])).toBe(false);
    expect(aggregate('all_or', [false, false])).toBe(false);
    expect(aggregate('all_or', [false, true, false])).toBe(true);
  });

  it('concat appends lists in order without touching the inputs', () => {
    const a = [['x', 1]];
    const b = [['y', 2], ['z', 3]];
    expect(aggregate('concat', [a, [], b])).toEqual([['x', 1], ['y', 2], ['z', 3]]);
    expect(a).toEqual([['x', 1]]);
  });

  it('merge unions maps; a later duplicate key wins', () => {
    const a = new Map([['s1', 'a'], ['k', 'old']]);
    const b = new Map([['s2', 'b'], ['k', 'new']]);
    const out = aggregate('merge', [a, b]) as Map<string, string>;
    expect([...out]).toEqual([['s1', 'a'], ['k', 'new'], ['s2', 'b']]);
    expect(a.get('k')).toBe('old');
    expect(aggregate('merge', [{ x: 1, y: 1 }, { y: 2 }])).toEqual({ x: 1, y: 2 });
  });

  it('merge keeps nested maps whole (status maps of several servers)', () => {
    const s1 = new Map([['10.0.0.1_9199', new Map([['pid', '1']])]]);
    const s2 = new Map([['10.0.0.2_9199', new Map([['pid', '2']])]]);
    const out = aggregate('merge', [s1, s2]) as Map<string, Map<string, string>>;
    expect(out.get('10.0.0.1_9199')!.get('pid')).toBe('1');
    expect(out.get('10.0.0.2_9199')!.get('pid')).toBe('2');
  });

  it('add sums numbers, bigints, and mixes of both exactly', () => {
    expect(aggregate('add', [1, 2, 3])).toBe(6);
    expect(aggregate('add', [0.5, 0.25])).toBe(0.75);
    expect(aggregate('add', [2n ** 60n, 2n ** 60n])).toBe(2n ** 61n);
    expect(aggregate('add', [2n ** 60n, 1])).toBe(2n ** 60n + 1n);
    expect(aggregate('add', [BigInt(Number.MAX_SAFE_INTEGER) + 2n, -3])).toBe(Number.MAX_SAFE_INTEGER - 1);
    expect(aggregate('add', [1n, 0.5])).toBe(1.5);
  });

  it('rejects shapes an aggregator cannot fold', () => {
    expect(() => aggregate('concat', [[1], 2])).toThrow(TypeError);
    expect(() => aggregate('merge', [new Map(), [1]])).toThrow(TypeError);
    expect(() => aggregate('add', [1, 'x'])).toThrow(TypeError);
  });
});
