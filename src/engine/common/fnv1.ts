/**
 * FNV-1 64 (multiply, then XOR) over the UTF-8 bytes of a key, with Jubatus's quirk: each byte
 * is a signed C++ char, so bytes >= 0x80 are sign-extended before the XOR. Computed in two
 * 32-bit halves to stay off BigInt on the hot path.
 */
const PRIME_LO = 0x1b3; // FNV prime = 2^40 + 0x1b3
const encoder = new TextEncoder();

export interface Hash64 {
  hi: number; // unsigned 32-bit
  lo: number; // unsigned 32-bit
}

function step(h: Hash64, c: number): void {
  const p = h.lo * PRIME_LO; // < 2^41: exact in a double
  const carry = Math.floor(p / 4294967296);
  let lo = p >>> 0;
  let hi = (Math.imul(h.hi, PRIME_LO) + carry + (h.lo << 8)) >>> 0;
  if (c >= 0x80) {
    lo = (lo ^ (0xffffff00 | c)) >>> 0;
    hi = ~hi >>> 0;
  } else {
    lo = (lo ^ c) >>> 0;
  }
  h.hi = hi;
  h.lo = lo;
}

/** FNV-1 64 of `key`; writes into `out` (reused by callers on hot paths) and returns it. */
export function fnv1_64(key: string, out: Hash64 = { hi: 0, lo: 0 }): Hash64 {
  out.hi = 0xcbf29ce4;
  out.lo = 0x84222325;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x80) {
      // Non-ASCII: restart over the real UTF-8 bytes.
      out.hi = 0xcbf29ce4;
      out.lo = 0x84222325;
      for (const b of encoder.encode(key)) step(out, b);
      return out;
    }
    step(out, c);
  }
  return out;
}

/** The low 32 bits of FNV-1 64: the seed Jubatus gives each feature's random stream. */
export function fnv1_64Seed32(key: string): number {
  return fnv1_64(key).lo;
}

export function fnv1_64BigInt(key: string): bigint {
  const h = fnv1_64(key);
  return (BigInt(h.hi) << 32n) | BigInt(h.lo);
}
