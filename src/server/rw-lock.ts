/**
 * The model's reader/writer lock. Engine calls are synchronous, so most of the time the lock
 * is free and a call runs at once without a promise; only async holders (save, load, MIX
 * rounds) make others wait. Waiters are served in arrival order; readers queued together run
 * together. Writes can also be paused while reads go on (a MIX member between its get_diff and
 * its put_diff: updates wait, queries do not).
 */
type Waiter = { write: boolean; grant: () => void; duringPause?: boolean };

export class RwLock {
  private readers = 0;
  private writer = false;
  private readonly queue: Waiter[] = [];
  private paused = 0;
  /** Writers waiting for the pause to end, in arrival order. */
  private readonly pausedWriters: Waiter[] = [];

  /** True when a `read` could be granted now without waiting. */
  get readFree(): boolean {
    return !this.writer && this.queue.length === 0;
  }

  get writeFree(): boolean {
    return !this.writer && this.readers === 0 && this.queue.length === 0 && this.paused === 0;
  }

  async withRead<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.readFree) this.readers++;
    else await new Promise<void>((grant) => this.queue.push({ write: false, grant }));
    try {
      return await fn();
    } finally {
      this.readers--;
      this.drain();
    }
  }

  /** `duringPause`: the write that ends a pause (put_diff) is not held by it. */
  async withWrite<T>(fn: () => T | Promise<T>, o: { duringPause?: boolean } = {}): Promise<T> {
    const held = this.paused > 0 && !o.duringPause;
    if (!held && !this.writer && this.readers === 0 && this.queue.length === 0) this.writer = true;
    else await new Promise<void>((grant) => (held ? this.pausedWriters : this.queue).push({ write: true, grant, duringPause: o.duringPause }));
    try {
      return await fn();
    } finally {
      this.writer = false;
      this.drain();
    }
  }

  /**
   * Holds every ordinary write, those already queued too, until the returned resume is called;
   * reads go on meanwhile.
   */
  pauseWrites(): () => void {
    this.paused++;
    const keep: Waiter[] = [];
    for (const w of this.queue) (w.write && !w.duringPause ? this.pausedWriters : keep).push(w);
    this.queue.splice(0, this.queue.length, ...keep);
    this.drain();
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      if (--this.paused > 0) return;
      this.queue.push(...this.pausedWriters.splice(0));
      this.drain();
    };
  }

  private drain(): void {
    while (this.queue.length > 0 && !this.writer) {
      const next = this.queue[0]!;
      if (next.write) {
        if (this.readers > 0) return;
        this.queue.shift();
        this.writer = true;
        next.grant();
        return;
      }
      this.queue.shift();
      this.readers++;
      next.grant();
    }
  }
}
