/**
 * One keyword's burst state (1.1.1 `burst/aggregator`, `burst_result`, `result_storage`): the
 * input windows this server counts (newest first), and the result windows it stores (newest
 * first, at most `rotate` of them), including results other members computed and MIX brought.
 */
import { burstDetect } from './detect.js';
import { contains, endOf, InputWindow, intersection, ResultWindow, sameInterval } from './window.js';

export interface BurstOptions {
  windowBatchSize: number;
  batchInterval: number;
  resultWindowRotateSize: number;
  maxReuseBatchNum: number;
  /** ≤ 0 in the config means unlimited: Number.MAX_VALUE, as 1.1.1 stores it. */
  costcutThreshold: number;
}

export interface KeywordParams {
  scalingParam: number;
  gamma: number;
}

/** The result of `input` given the previous window's result (its leading weights are reused). */
export function computeResult(input: InputWindow, params: KeywordParams, o: BurstOptions, prev: ResultWindow | null): ResultWindow {
  const n = input.size;
  const maxReuse = Math.min(o.maxReuseBatchNum, n);
  const reused = new Array<number>(n).fill(-1);
  if (prev && prev.start <= input.start) {
    const [first, second] = intersection(prev, input);
    for (let i = 0, j = first; i < maxReuse && j < second; i++, j++) reused[i] = prev.w[j]!;
  }
  const w = burstDetect(input.d, input.r, reused, params.scalingParam, params.gamma, o.costcutThreshold);
  return new ResultWindow(input.start, input.interval, input.d.slice(), input.r.slice(), Float64Array.from(w));
}

export class ResultStorage {
  /** Newest first. */
  results: ResultWindow[] = [];
  /** The oldest start stored since the last MIX (MAX_VALUE: none). */
  oldestNotMixed = Number.MAX_VALUE;

  constructor(public max: number) {}

  store(result: ResultWindow, merge = false): void {
    const start = result.start;
    if (this.results.length === 0) this.results.unshift(result);
    else {
      for (let i = 0; i < this.results.length; i++) {
        const cur = this.results[i]!;
        if (cur.olderThan(start)) {
          this.results.splice(i, 0, result);
          break;
        }
        if (cur.sameStart(start)) {
          // A MIX keeps the result built from more documents; a local recomputation replaces.
          if (!merge) this.results[i] = result;
          else if (sameInterval(cur, result.interval) && cur.size === result.size && cur.totalD() < result.totalD()) this.results[i] = result;
          break;
        }
      }
    }
    if (start < this.oldestNotMixed) this.oldestNotMixed = start;
    while (this.results.length > this.max) this.results.pop();
  }

  latest(): ResultWindow | null {
    return this.results[0] ?? null;
  }

  at(pos: number): ResultWindow | null {
    for (const r of this.results) if (contains(r, pos)) return r;
    return null;
  }

  /** The results stored since the last MIX, newest first. */
  diff(): ResultWindow[] {
    const out: ResultWindow[] = [];
    for (const r of this.results) {
      if (r.olderThan(this.oldestNotMixed)) break;
      out.push(r);
    }
    return out;
  }

  putDiff(results: readonly ResultWindow[]): void {
    for (const r of results) this.store(r, true);
    this.oldestNotMixed = Number.MAX_VALUE;
  }
}

export class Aggregator {
  /** Newest first. */
  inputs: InputWindow[] = [];

  constructor(
    public windowBatchSize: number,
    public batchInterval: number,
    public maxStored: number,
  ) {}

  private newWindow(pos: number, prev: InputWindow): InputWindow {
    const i = Math.floor((pos - prev.start) / this.batchInterval);
    const j = i - Math.trunc(this.windowBatchSize / 2);
    const w = new InputWindow(prev.start + this.batchInterval * j, this.batchInterval, this.windowBatchSize);
    const [first, second] = intersection(prev, w);
    for (let k = 0, m = first; m < second; k++, m++) {
      w.d[k] = prev.d[m]!;
      w.r[k] = prev.r[m]!;
    }
    return w;
  }

  addDocument(d: number, r: number, pos: number): boolean {
    if (this.inputs.length === 0) {
      this.inputs.unshift(this.newWindow(pos, new InputWindow(0, this.batchInterval, 0)));
    } else if (endOf(this.inputs[0]!) <= pos) {
      this.inputs.unshift(this.newWindow(pos, this.inputs[0]!));
      while (this.inputs.length > this.maxStored) this.inputs.pop();
    }
    let added = false;
    for (const w of this.inputs) {
      if (!w.addDocument(d, r, pos)) return added;
      added = true;
    }
    return added;
  }

  /** Recomputes every input window's result, oldest first, then drops windows the newest no longer overlaps. */
  flush(params: KeywordParams, o: BurstOptions, stored: ResultStorage): void {
    if (this.inputs.length === 0) return;
    let prev = stored.at(this.inputs[this.inputs.length - 1]!.start - this.batchInterval / 2);
    for (let k = this.inputs.length - 1; k >= 0; k--) {
      const r = computeResult(this.inputs[k]!, params, o, prev);
      stored.store(r);
      prev = r;
    }
    for (;;) {
      const [first, second] = intersection(this.inputs[this.inputs.length - 1]!, this.inputs[0]!);
      if (first !== second) break;
      this.inputs.pop();
    }
  }
}
