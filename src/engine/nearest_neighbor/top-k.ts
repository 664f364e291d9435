/**
 * A bounded max-heap on (score, row) in lexicographic order: the root is the worst of the best
 * `k`, so a scan compares each row against it alone.
 */
export interface Ranked {
  rows: number[];
  /** Ascending: Hamming distances (as numbers) or euclid_lsh distances. */
  scores: number[];
}

export class TopK {
  readonly s: Float64Array;
  readonly r: Int32Array;
  n = 0;

  constructor(readonly k: number) {
    this.s = new Float64Array(k);
    this.r = new Int32Array(k);
  }

  private greater(a: number, b: number): boolean {
    const sa = this.s[a]!, sb = this.s[b]!;
    return sa > sb || (sa === sb && this.r[a]! > this.r[b]!);
  }

  private swap(a: number, b: number): void {
    const s = this.s, r = this.r;
    const ts = s[a]!, tr = r[a]!;
    s[a] = s[b]!; r[a] = r[b]!;
    s[b] = ts; r[b] = tr;
  }

  push(score: number, row: number): void {
    let i = this.n++;
    this.s[i] = score;
    this.r[i] = row;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.greater(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Replaces the maximum (the caller knows the new pair is smaller) and restores the heap. */
  replaceTop(score: number, row: number): void {
    this.s[0] = score;
    this.r[0] = row;
    this.siftDown(0, this.n);
  }

  private siftDown(i: number, n: number): void {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      let m = l;
      if (l + 1 < n && this.greater(l + 1, l)) m = l + 1;
      if (!this.greater(m, i)) return;
      this.swap(m, i);
      i = m;
    }
  }

  /** Drains the heap into ascending order. */
  sorted(): Ranked {
    const n = this.n;
    for (let end = n - 1; end > 0; end--) {
      this.swap(0, end);
      this.siftDown(0, end);
    }
    this.n = 0;
    return { rows: Array.from(this.r.subarray(0, n)), scores: Array.from(this.s.subarray(0, n)) };
  }
}

