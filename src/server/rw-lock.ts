/**
 * The model's reader/writer lock. Engine calls are synchronous, so most of the time the lock
 * is free and a call runs at once without a promise; only async holders (save, load, MIX
 * rounds) make others wait. Waiters are served in arrival order; readers queued together run
 * together.
 */
type Waiter = { write: boolean; grant: () => void };

export class RwLock {
  private readers = 0;
  private writer = false;
  private readonly queue: Waiter[] = [];

  /** True when a `read` could be granted now without waiting. */
  get readFree(): boolean {
    return !this.writer && this.queue.length === 0;
  }

  get writeFree(): boolean {
    return !this.writer && this.readers === 0 && this.queue.length === 0;
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

  async withWrite<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.writeFree) this.writer = true;
    else await new Promise<void>((grant) => this.queue.push({ write: true, grant }));
    try {
      return await fn();
    } finally {
      this.writer = false;
      this.drain();
    }
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
