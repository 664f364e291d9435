/**
 * A live progress line on stderr for long-running stream commands: rewritten in place every
 * second on a terminal, one line every 5 s otherwise (logs stay readable). The rate is the
 * counter's change over the last interval.
 */
export class ProgressLine {
  private timer?: NodeJS.Timeout;
  private lastCount = 0;
  private lastAt = 0;
  private shown = false;
  private readonly tty: boolean;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly count: () => number,
    private readonly render: (ratePerSec: number) => string,
    intervalMs?: number,
  ) {
    this.tty = Boolean(out.isTTY);
    this.intervalMs = intervalMs ?? (this.tty ? 1000 : 5000);
  }

  private readonly intervalMs: number;

  start(): void {
    this.lastCount = this.count();
    this.lastAt = Date.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** A state change worth its own line (reconnecting, connected). */
  note(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private tick(): void {
    const now = Date.now();
    const c = this.count();
    const rate = now > this.lastAt ? ((c - this.lastCount) * 1000) / (now - this.lastAt) : 0;
    this.lastCount = c;
    this.lastAt = now;
    const line = this.render(rate);
    if (this.tty) {
      this.out.write(`\r\x1b[2K${line}`);
      this.shown = true;
    } else {
      this.out.write(`${line}\n`);
    }
  }

  private clear(): void {
    if (this.tty && this.shown) this.out.write('\r\x1b[2K');
    this.shown = false;
  }
}
