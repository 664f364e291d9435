/**
 * Feature hashing (spec §2.9): a key becomes the decimal string of FNV1-64(key) mod M.
 * Colliding keys are not merged.
 */
import { fnv1_64, type Hash64 } from '../common/fnv1.js';

const scratch: Hash64 = { hi: 0, lo: 0 };
const CHUNKED_LIMIT = 2 ** 37; // r·2^16 + chunk stays below 2^53 for r < M ≤ 2^37

export function hashFeatureKey(key: string, maxSize: number): string {
  const h = fnv1_64(key, scratch);
  if (maxSize <= CHUNKED_LIMIT) {
    // Horner over 16-bit chunks keeps every step exact in doubles (no BigInt on the hot path).
    let r = (h.hi >>> 16) % maxSize;
    r = (r * 65536 + (h.hi & 0xffff)) % maxSize;
    r = (r * 65536 + (h.lo >>> 16)) % maxSize;
    r = (r * 65536 + (h.lo & 0xffff)) % maxSize;
    return String(r);
  }
  return (((BigInt(h.hi) << 32n) | BigInt(h.lo)) % BigInt(maxSize)).toString();
}
