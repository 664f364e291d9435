/**
 * Burst's windows (engine spec §11, 1.1.1 `burst/input_window`, `result_window`,
 * `window_intersection`): `size` consecutive batches of `interval` starting at `start`. An input
 * window counts documents (d) and relevant ones (r) per batch; a result window adds each batch's
 * burst weight. Two windows line up when their boundaries are within 1% of a batch.
 */

/** What the intersection arithmetic needs of a window. */
export interface WindowShape {
  readonly start: number;
  readonly interval: number;
  readonly size: number;
}

export function endOf(w: WindowShape): number {
  return w.start + w.interval * w.size;
}

export function positionNear(pos0: number, pos1: number, interval: number): boolean {
  return Math.abs(pos1 - pos0) / interval < 0.01;
}

/** The batch index of `pos` in `w`, or -1 when outside. */
export function indexOf(w: WindowShape, pos: number): number {
  const i = Math.floor((pos - w.start) / w.interval);
  return i < 0 || w.size <= i ? -1 : i;
}

export function contains(w: WindowShape, pos: number): boolean {
  return w.start <= pos && pos < endOf(w);
}

const NO_INDEX = -2147483648;

function boundaryIndex(w: WindowShape, boundary: number): number {
  const candidate = Math.floor((boundary + w.interval / 2 - w.start) / w.interval);
  const candidatePos = w.start + candidate * w.interval;
  return positionNear(boundary, candidatePos, w.interval) ? candidate : NO_INDEX;
}

export function sameInterval(w: WindowShape, interval: number): boolean {
  const n = Math.max(w.size, 1);
  return positionNear(n * interval, n * w.interval, w.interval);
}

/** The batches [first, second) of `a` that `b` covers; first === second when none. */
export function intersection(a: WindowShape, b: WindowShape): [number, number] {
  const begin = boundaryIndex(a, b.start);
  const end = boundaryIndex(a, endOf(b));
  if (begin === NO_INDEX || end === NO_INDEX || !sameInterval(a, b.interval)) return [NO_INDEX, NO_INDEX];
  const clamp = (i: number): number => (i < 0 ? 0 : i > a.size ? a.size : i);
  return [clamp(begin), clamp(end)];
}

export class InputWindow implements WindowShape {
  readonly d: Int32Array;
  readonly r: Int32Array;

  constructor(
    readonly start: number,
    readonly interval: number,
    readonly size: number,
  ) {
    this.d = new Int32Array(size);
    this.r = new Int32Array(size);
  }

  addDocument(d: number, r: number, pos: number): boolean {
    const i = indexOf(this, pos);
    if (i < 0) return false;
    this.d[i]! += d;
    this.r[i]! += r;
    return true;
  }
}

export class ResultWindow implements WindowShape {
  constructor(
    readonly start: number,
    readonly interval: number,
    readonly d: Int32Array,
    readonly r: Int32Array,
    readonly w: Float64Array,
  ) {}

  get size(): number {
    return this.d.length;
  }

  totalD(): number {
    let s = 0;
    for (let i = 0; i < this.d.length; i++) s += this.d[i]!;
    return s;
  }

  isBurstedAt(pos: number): boolean {
    const i = indexOf(this, pos);
    return i >= 0 && this.w[i]! > 0;
  }

  isBurstedAtLatest(): boolean {
    return this.size > 0 && this.w[this.size - 1]! > 0;
  }

  /** Start older than `pos` by more than 1% of a batch. */
  olderThan(pos: number): boolean {
    return this.start < pos && !positionNear(this.start, pos, this.interval);
  }

  sameStart(pos: number): boolean {
    return positionNear(this.start, pos, this.interval);
  }
}
