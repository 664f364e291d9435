/**
 * HashOrderMap (engine/common/hash-order.ts) iterates like libstdc++'s hash containers: it
 * agrees with OrderedKeys (common/small-order.ts, the splice-based model of the same rules)
 * through inserts, erases, rehashes and clears, and with what 1.1.1 sent.
 */
import { describe, expect, it } from 'vitest';
import { HashOrderMap, HashOrderSet } from '../../src/engine/common/hash-order.js';
import { OrderedKeys } from '../../src/engine/common/small-order.js';
import { Mt19937 } from '../../src/engine/common/mt19937.js';

describe('HashOrderMap', () => {
  it('keeps the order OrderedKeys gives, through growth, erases and clear', () => {
    const rng = new Mt19937(7);
    const m = new HashOrderMap<number>();
    const o = new OrderedKeys<string>();
    for (let step = 0; step < 3000; step++) {
      const key = `row${rng.nextIntBelow(700)}`;
      if (step === 2000) {
        m.clear();
        o.clear();
      } else if (rng.nextIntBelow(4) === 0) {
        m.delete(key);
        o.erase(key);
      } else if (!m.has(key)) {
        m.set(key, step);
        o.insert(key);
      } else m.set(key, step);
      if (step % 97 === 0) expect(m.keys()).toEqual(o.keys);
    }
    expect(m.keys()).toEqual(o.keys);
    expect(m.size).toBe(o.size);
  });

  it('a fresh map of "1"…"5" iterates "5"…"1" (each key opens an empty bucket), as 1.1.1 sent lof diffs', () => {
    const m = HashOrderMap.from(['1', '2', '3', '4', '5'].map((k) => [k, 0] as const));
    expect(m.keys()).toEqual(['5', '4', '3', '2', '1']);
    const s = new HashOrderSet();
    for (const k of ['1', '2', '2', '3']) s.add(k);
    expect(s.keys()).toEqual(['3', '2', '1']);
    s.delete('2');
    expect(s.keys()).toEqual(['3', '1']);
  });
});
