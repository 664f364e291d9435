/**
 * C `printf("%g")` with precision 6 — what a C++ ostream prints for a double by default, and
 * therefore the text Jubatus puts into `<key>@str$<value>` feature keys.
 *
 * JS's toPrecision/toExponential round exact ties away from zero, glibc rounds them to even
 * (1234565 → "1.23456e+06"), so non-trivial values are rounded here from their exact decimal
 * expansion instead.
 */
const PRECISION = 6;
const view = new DataView(new ArrayBuffer(8));

export function formatDoubleG(v: number): string {
  // Fast path: small integers print as themselves.
  if (Number.isInteger(v) && v > -1e6 && v < 1e6) return Object.is(v, -0) ? '-0' : String(v);
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  const neg = v < 0;
  const { digits, point } = exactDecimal(neg ? -v : v);
  let exp10 = point - 1;
  let sig: string;
  if (digits.length <= PRECISION) {
    sig = digits.padEnd(PRECISION, '0');
  } else {
    sig = digits.slice(0, PRECISION);
    const next = digits.charCodeAt(PRECISION) - 48;
    let up = next > 5;
    if (next === 5) {
      // Exactly half way only when nothing non-zero follows: then round half to even.
      up = /[1-9]/.test(digits.slice(PRECISION + 1)) || ((sig.charCodeAt(PRECISION - 1) - 48) & 1) === 1;
    }
    if (up) {
      const n = Number(sig) + 1;
      if (n === 10 ** PRECISION) {
        sig = '1'.padEnd(PRECISION, '0');
        exp10 += 1;
      } else {
        sig = String(n);
      }
    }
  }
  const body = exp10 >= -4 && exp10 < PRECISION ? fixedForm(sig, exp10) : exponentForm(sig, exp10);
  return neg ? '-' + body : body;
}

function fixedForm(sig: string, exp10: number): string {
  let intPart: string;
  let frac: string;
  if (exp10 >= 0) {
    intPart = sig.slice(0, exp10 + 1);
    frac = sig.slice(exp10 + 1);
  } else {
    intPart = '0';
    frac = '0'.repeat(-exp10 - 1) + sig;
  }
  frac = stripZeros(frac);
  return frac ? `${intPart}.${frac}` : intPart;
}

function exponentForm(sig: string, exp10: number): string {
  const frac = stripZeros(sig.slice(1));
  const mag = Math.abs(exp10);
  return `${sig[0]}${frac ? '.' + frac : ''}e${exp10 < 0 ? '-' : '+'}${mag < 10 ? '0' : ''}${mag}`;
}

function stripZeros(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 48) end--;
  return s.slice(0, end);
}

/**
 * The exact decimal expansion of a positive finite double: `digits` without leading zeros and
 * `point` = how many of them precede the decimal point (may be ≤ 0 or > digits.length).
 */
function exactDecimal(a: number): { digits: string; point: number } {
  view.setFloat64(0, a);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (biased === 0) {
    e2 = -1074;
  } else {
    mant |= 1n << 52n;
    e2 = biased - 1075;
  }
  if (e2 >= 0) {
    const digits = (mant << BigInt(e2)).toString();
    return { digits, point: digits.length };
  }
  // mant / 2^k = mant·5^k / 10^k
  const digits = (mant * 5n ** BigInt(-e2)).toString();
  return { digits, point: digits.length + e2 };
}
