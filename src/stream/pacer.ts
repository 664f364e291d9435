/**
 * Paces a stream at a steady rate: the n-th event is due n/rate seconds after the start, so a
 * stall is caught up rather than lost. A rate of 0 means no limit.
 */
export class Pacer {
  private readonly startedAt = Date.now();
  private count = 0;

  constructor(private readonly perSecond: number) {}

  /** Resolves when the next event is due. */
  async next(): Promise<void> {
    this.count++;
    if (this.perSecond <= 0) return;
    const due = (this.count * 1000) / this.perSecond - (Date.now() - this.startedAt);
    if (due > 0) await new Promise((r) => setTimeout(r, due));
  }
}
