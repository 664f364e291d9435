/**
 * Jubatus's `sort_and_merge` (engine spec §2.11): a feature vector sorted by key, duplicate keys
 * summed into one feature. The weight engine answers with it, and classifier `train` learns
 * from it, so both share this one helper.
 */
import type { FeatureVector } from '../datum.js';

/**
 * Orders strings as C++ `std::string` does on their UTF-8 bytes. JavaScript compares UTF-16
 * code units, which agrees except where a surrogate pair (a code point ≥ U+10000) meets
 * U+E000–U+FFFF: in UTF-8 the astral code point sorts last, in UTF-16 it sorts first.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) return utf8Rank(ca) - utf8Rank(cb);
  }
  return a.length - b.length;
}

/** Moves surrogates above U+E000–U+FFFF, so code-unit order becomes UTF-8 byte order. */
function utf8Rank(c: number): number {
  if (c < 0xd800) return c;
  return c >= 0xe000 ? c - 0x800 : c + 0x2000;
}

/**
 * Sorted by key (then value, as Jubatus sorts the (key, value) pairs, which fixes the order the
 * duplicates are added in) and merged. Features are not dropped even when a sum is 0, as in
 * Jubatus: zero removal happened earlier, inside the converter.
 */
export function sortAndMerge(fv: FeatureVector): FeatureVector {
  const { keys, values } = fv;
  const order = keys.map((_, i) => i);
  order.sort((i, j) => compareUtf8(keys[i]!, keys[j]!) || values[i]! - values[j]!);
  const outKeys: string[] = [];
  const outValues: number[] = [];
  for (const i of order) {
    const k = keys[i]!;
    const last = outKeys.length - 1;
    if (last >= 0 && outKeys[last] === k) outValues[last] = outValues[last]! + values[i]!;
    else {
      outKeys.push(k);
      outValues.push(values[i]!);
    }
  }
  return { keys: outKeys, values: outValues };
}
