/**
 * Point storages (core clustering/storage.cpp, simple_storage.cpp, compressive_storage.cpp).
 * Both keep this server's points ("mine") and, after a MIX, every other server's points under
 * its name ("common"); clustering always runs over mine followed by common. The revision counts
 * re-clusterings; a storage calls `onRevision` with all its points whenever it bumps it (and
 * after a clear or a load, without bumping).
 */
import type { Compressor } from './compressor.js';
import type { WeightedPoint } from './points.js';

export type NamedPoints = Array<[name: string, points: WeightedPoint[]]>;

export abstract class PointStorage {
  revision = 0;
  common: NamedPoints = [];
  /** Runs a batch clustering over the points given (set by the engine). */
  onRevision: (all: WeightedPoint[]) => void = () => undefined;

  constructor(readonly name: string) {}

  abstract add(p: WeightedPoint): void;
  abstract mine(): WeightedPoint[];
  protected abstract clearMine(): void;

  all(): WeightedPoint[] {
    const out = this.mine();
    for (const [, pts] of this.common) for (const p of pts) out.push(p);
    return out;
  }

  size(): number {
    let n = this.mine().length;
    for (const [, pts] of this.common) n += pts.length;
    return n;
  }

  protected incrementRevision(): void {
    this.revision++;
    this.onRevision(this.all());
  }

  clear(): void {
    this.revision = 0;
    this.common = [];
    this.clearMine();
    this.onRevision(this.all());
  }

  /** MIX get_diff: this server's points under its name. */
  diff(): NamedPoints {
    return [[this.name, this.mine()]];
  }

  /** MIX put_diff: everyone else's points become common; a new revision re-clusters. */
  putDiff(d: NamedPoints): boolean {
    this.common = d.filter(([name]) => name !== this.name);
    this.incrementRevision();
    return true;
  }
}

/**
 * storage::mix: `incoming` merged into `acc` by server name (both sorted by name, as get_diff's
 * single entries and earlier merges are); the same name concatenates.
 */
export function mixNamedPoints(acc: NamedPoints, incoming: NamedPoints): NamedPoints {
  const out = acc.slice();
  let b = 0;
  let l = 0;
  while (l < incoming.length && b < out.length) {
    const [ln, lp] = incoming[l]!;
    const [bn, bp] = out[b]!;
    if (ln < bn) {
      out.splice(b, 0, [ln, lp.slice()]);
      b++;
      l++;
    } else if (ln > bn) {
      b++;
    } else {
      out[b] = [bn, [...bp, ...lp]];
      b++;
      l++;
    }
  }
  for (; l < incoming.length; l++) out.push([incoming[l]![0], incoming[l]![1].slice()]);
  return out;
}

/**
 * Every point kept. 1.1.1 counts pushes in a function-level static (one counter per process,
 * never reset by clear or load) and bumps the revision when the count reaches a multiple of
 * bucket_size, *before* storing that point, so the batch runs without it. juba keeps the count
 * per engine (one engine per process, as there) with the same never-reset rule.
 */
export class SimpleStorage extends PointStorage {
  private points: WeightedPoint[] = [];
  private pushes = 0;

  constructor(name: string, readonly bucketSize: number) {
    super(name);
  }

  add(p: WeightedPoint): void {
    this.pushes++;
    if (this.pushes % this.bucketSize === 0) this.incrementRevision();
    this.points.push(p);
  }

  mine(): WeightedPoint[] {
    return this.points.slice();
  }

  protected clearMine(): void {
    this.points = [];
  }

  restore(revision: number, common: NamedPoints, mine: WeightedPoint[]): void {
    this.revision = revision;
    this.common = common;
    this.points = mine;
  }
}

export interface CompressiveParams {
  bucketSize: number;
  bucketLength: number;
  compressedBucketSize: number;
  bicriteriaBaseSize: number;
  forgettingFactor: number;
  forgettingThreshold: number;
}

/** `digit(num, r, n)`: the r-th base-n digit of num. */
function digit(num: number, r: number, n: number): number {
  if (r < 0) return 0;
  for (let i = 0; i < r; i++) num = Math.trunc(num / n);
  return num % n;
}

/**
 * Buckets of geometrically growing summaries: bucket 0 fills with raw points; when full it is
 * compressed and carried up like a base-`bucket_length` counter (`status` counts the carries),
 * merging and recompressing full levels, with weights decayed by exp(−forgetting_factor) per
 * level and old levels dropped below forgetting_threshold. Every carry is a new revision.
 */
export class CompressiveStorage extends PointStorage {
  buckets: WeightedPoint[][] = [[]];
  status = 0;

  constructor(name: string, readonly params: CompressiveParams, readonly compressor: Compressor) {
    super(name);
  }

  add(p: WeightedPoint): void {
    const c0 = this.buckets[0]!;
    c0.push(p);
    if (c0.length >= this.params.bucketSize) {
      this.buckets[0] = this.compressor.compress(c0, this.params.bicriteriaBaseSize, this.params.compressedBucketSize);
      this.status += 1;
      this.carryUp(0);
      this.incrementRevision();
    }
  }

  private carryUp(r: number): void {
    const { bucketLength, compressedBucketSize, bicriteriaBaseSize, forgettingFactor, forgettingThreshold } = this.params;
    if (r >= this.buckets.length - 1) this.buckets.push([]);
    const factor = Math.exp(-forgettingFactor);
    this.buckets[r] = this.buckets[r]!.map((p) => ({ ...p, weight: p.weight * factor }));
    const nextFull = digit(this.status - 1, r, bucketLength) === bucketLength - 1;
    if (!nextFull) {
      const forget = Math.exp(-forgettingFactor * (r + 1)) < forgettingThreshold;
      if (!forget || this.buckets[r]!.length === this.mine().length) {
        this.buckets[r + 1] = [...this.buckets[r + 1]!, ...this.buckets[r]!];
      } else {
        this.buckets[r + 1] = this.buckets[r]!;
      }
      this.buckets[r] = [];
    } else {
      const merged = [...this.buckets[r + 1]!, ...this.buckets[r]!];
      this.buckets[r] = [];
      const dstsize = r === 0 ? compressedBucketSize : 2 * r * r * compressedBucketSize;
      this.buckets[r + 1] = this.compressor.compress(merged, bicriteriaBaseSize, dstsize);
      this.carryUp(r + 1);
    }
  }

  mine(): WeightedPoint[] {
    const out: WeightedPoint[] = [];
    for (const b of this.buckets) for (const p of b) out.push(p);
    return out;
  }

  protected clearMine(): void {
    this.buckets = [[]];
    this.status = 0;
  }

  restore(revision: number, common: NamedPoints, buckets: WeightedPoint[][], status: number): void {
    this.revision = revision;
    this.common = common;
    this.buckets = buckets.length > 0 ? buckets : [[]];
    this.status = status;
  }
}
