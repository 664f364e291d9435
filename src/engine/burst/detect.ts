/**
 * Kleinberg's two-state burst detection over one window (engine spec §11, 1.1.1
 * `burst/engine.cpp`): a Viterbi pass over base/burst states with cost
 * σ(p, d, r) = −ln[C(d, r) p^r (1−p)^(d−r)] and a base→burst transition cost γ·ln(n), reusing
 * the weights of the leading batches already computed for the previous window.
 */

const BASE = 0;
const BURST = 1;

/** ln(k!) for small k, summed once; Stirling's series beyond (exact to double precision there). */
const LN_FACT: number[] = [0];
const TABLE_MAX = 1024;
for (let k = 1; k <= TABLE_MAX; k++) LN_FACT.push(LN_FACT[k - 1]! + Math.log(k));

export function lnFactorial(k: number): number {
  if (k <= TABLE_MAX) return LN_FACT[k]!;
  const n = k + 1;
  const inv = 1 / n;
  const inv2 = inv * inv;
  // lgamma(n) = (n − ½)ln n − n + ½ln 2π + 1/(12n) − 1/(360n³) + 1/(1260n⁵)
  return (n - 0.5) * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI) + inv * (1 / 12 - inv2 * (1 / 360 - inv2 / 1260));
}

function logChoose(n: number, k: number): number {
  if (n < 0 || k < 0 || n < k) return -Infinity;
  return lnFactorial(n) - lnFactorial(k) - lnFactorial(n - k);
}

function sigma(p: number, d: number, r: number): number {
  let ret = logChoose(d, r);
  ret += r * Math.log(p);
  ret += (d - r) * Math.log(1 - p);
  return -ret;
}

function tau(i: number, j: number, gamma: number, n: number): number {
  return i >= j ? 0 : (j - i) * gamma * Math.log(n);
}

function batchWeight(d: Int32Array, r: Int32Array, p: number[], i: number): number {
  const ret = sigma(p[BASE]!, d[i]!, r[i]!) - sigma(p[BURST]!, d[i]!, r[i]!);
  return ret > 0 ? ret : 0;
}

function cuttable(d: Int32Array, r: Int32Array, p: number[], i: number, threshold: number): boolean {
  return sigma(p[BURST]!, d[i]!, r[i]!) - sigma(p[BASE]!, d[i]!, r[i]!) > threshold * Math.log(d.length);
}

/**
 * The burst weight of every batch. `reused` holds the weights carried over from the previous
 * window for the first batches (negative = not computed, dropped as 1.1.1 drops them).
 */
export function burstDetect(d: Int32Array, r: Int32Array, reused: number[], scaling: number, gamma: number, costcut: number): number[] {
  const n = d.length;
  let D = 0;
  let R = 0;
  for (let i = 0; i < n; i++) {
    D = (D + d[i]!) | 0;
    R = (R + r[i]!) | 0;
  }
  const p0 = R / D;
  const p = [p0, scaling * p0];
  const weights = reused.filter((w) => !(w < 0));
  if (1 < p[BURST]!) {
    while (weights.length < n) weights.push(Infinity);
    return weights;
  }
  if (p[BASE] === 0) {
    while (weights.length < n) weights.push(0);
    return weights;
  }
  const reuse = weights.length;
  const nowCosts = [-1, -1];
  const prevCosts = reuse !== 0 && 0 < weights[reuse - 1]! ? [Infinity, 0] : [0, Infinity];
  let nowSeq: number[][] = [[], []];
  let prevSeq: number[][] = [[], []];
  for (let u = 0; u < n - reuse; u++) {
    const b = u + reuse;
    const nextSeq: number[][] = [[], []];
    for (let now = BASE; now <= BURST; now++) {
      let from: number;
      let cost: number;
      if (0 < b && (d[b - 1] === 0 || cuttable(d, r, p, b - 1, costcut))) {
        from = BASE;
        cost = prevCosts[BASE]! + tau(BASE, now, gamma, n);
      } else {
        const viaBase = prevCosts[BASE]! + tau(BASE, now, gamma, n);
        const viaBurst = prevCosts[BURST]! + tau(BURST, now, gamma, n);
        from = viaBase > viaBurst ? BURST : BASE;
        cost = viaBase > viaBurst ? viaBurst : viaBase;
      }
      nowCosts[now] = cost + sigma(p[now]!, d[b]!, r[b]!);
      nextSeq[now] = [...prevSeq[from]!, now];
    }
    prevCosts[BASE] = nowCosts[BASE]!;
    prevCosts[BURST] = nowCosts[BURST]!;
    nowSeq = nextSeq;
    prevSeq = nextSeq;
  }
  let seq: number[];
  if (d[n - 1] === 0 || cuttable(d, r, p, n - 1, costcut)) seq = nowSeq[BASE]!;
  else seq = nowCosts[BASE]! <= nowCosts[BURST]! ? nowSeq[BASE]! : nowSeq[BURST]!;
  for (let i = 0; i < reuse; i++) if (0 < weights[i]!) weights[i] = batchWeight(d, r, p, i);
  for (let i = reuse; i < n; i++) weights.push(seq[i - reuse] === BURST ? batchWeight(d, r, p, i) : 0);
  return weights;
}
