/**
 * `juba feed --durable`: how many applied messages may wait for a MIX at once (`--await-merge`).
 * Given, the number is fixed. Not given, it is sized for one MIX interval at the measured feed
 * rate: a message waits at most about one interval (the next round on its server) plus a
 * poll, so `rate × (interval_sec + 1)` holds messages for one interval and no more. A budget
 * that holds the feed back lowers the rate it measures (a burst all waits for the same round),
 * so while it is full it doubles instead; when the rate falls it shrinks by a tenth per update.
 * Bounded by a floor (a slow start, or no interval MIX: `-s 0`) and a ceiling (memory, and the
 * AMQP prefetch). With a count trigger only (`-s 0 -i N`), a round comes every N updates per
 * server: twice that across the members. */

export const AWAIT_MERGE_FLOOR = 10_000;
export const AWAIT_MERGE_CEILING = 50_000;
/** Waiting at this share of the budget or more counts as full (it holds the feed back). */
const FULL = 0.9;
/** How often the command feeds a measurement. */
export const AWAIT_MERGE_SAMPLE_MS = 500;
/** How far back the rate is measured. */
const RATE_WINDOW_MS = 5_000;

/** The cluster's MIX triggers, as its servers report them in get_status. */
export interface MixTriggers {
  /** `interval_sec`, the largest any server reports; 0 = off or not known yet. */
  intervalSec: number;
  /** `interval_count`, the largest any server reports; 0 = off. */
  intervalCount: number;
  members: number;
  /** How many servers reported their triggers so far (0: not known yet). */
  reported: number;
}

export class AwaitBudget {
  private current: number;
  private readonly samples: Array<{ at: number; applied: number }> = [];

  constructor(
    /** `--await-merge` as given; undefined = sized from the rate. */
    private readonly fixed: number | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.current = fixed ?? AWAIT_MERGE_FLOOR;
  }

  /** The most messages that may wait for a MIX now. */
  get limit(): number {
    return this.current;
  }

  get sized(): boolean {
    return this.fixed === undefined;
  }

  /** Feeds a measurement: messages applied so far and waiting now, and the cluster's triggers. */
  update(applied: number, awaiting: number, mix: MixTriggers): void {
    if (this.fixed !== undefined) return;
    const now = this.now();
    this.samples.push({ at: now, applied });
    while (this.samples.length > 2 && now - this.samples[1]!.at >= RATE_WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const rate = now > first.at ? ((applied - first.applied) * 1000) / (now - first.at) : 0;
    let want = AWAIT_MERGE_FLOOR;
    if (mix.intervalSec > 0) want = Math.ceil(rate * (mix.intervalSec + 1));
    else if (mix.intervalCount > 0) want = 2 * mix.intervalCount * Math.max(1, mix.members);
    if (awaiting >= this.current * FULL) want = Math.max(want, 2 * this.current);
    else want = Math.max(want, Math.floor(this.current * 0.9));
    this.current = Math.min(AWAIT_MERGE_CEILING, Math.max(AWAIT_MERGE_FLOOR, want));
  }
}
