/**
 * Why a long-running command should stop, as one promise: Ctrl-C or SIGTERM ("interrupted"),
 * a time limit, or anything the command decides (a count reached). The first reason wins.
 * `dispose` removes the signal handlers and timers, so nothing outlives the command.
 */
export class StopRequest {
  /** The first reason given; undefined while running. */
  reason?: string;
  readonly stopped: Promise<string>;
  private resolve!: (why: string) => void;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly onSignal = (): void => this.request('interrupted');

  constructor() {
    this.stopped = new Promise<string>((r) => (this.resolve = r));
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  request(why: string): void {
    if (this.reason !== undefined) return;
    this.reason = why;
    this.resolve(why);
  }

  /** Stops after `seconds` (nothing when undefined). */
  after(seconds: number | undefined, why: string): void {
    if (seconds) this.timers.push(setTimeout(() => this.request(why), seconds * 1000));
  }

  /** Checks `cond` every `ms` and stops with `why` once it holds. */
  when(cond: () => boolean, why: string, ms = 200): void {
    this.timers.push(setInterval(() => cond() && this.request(why), ms));
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
  }
}
