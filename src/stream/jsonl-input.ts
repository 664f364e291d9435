/**
 * `juba feed --file`: JSON lines from a file or stdin, at most `inFlight` at once. Poison lines
 * go to a dead-letter file as `{"line": n, "reason": …, "message": …}` so nothing is dropped
 * silently; blank lines are skipped.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import type { Outcome } from './feed.js';

export interface JsonlInputOptions {
  input: Readable;
  /** Most lines being handled at once; a function is asked again for every line. */
  inFlight: number | (() => number);
  /** Where poison lines are appended; opened on the first one. */
  deadLetterFile: string;
  /** Set by stop(): no further line is read. */
  signal?: { stopped: boolean };
}

export interface JsonlResult {
  lines: number;
  /** Lines read but left unapplied because the feed was stopped while they were retried. */
  notApplied: number;
}

export async function consumeJsonl(opts: JsonlInputOptions, handle: (body: string) => Promise<Outcome>): Promise<JsonlResult> {
  const rl = readline.createInterface({ input: opts.input, crlfDelay: Infinity });
  const running = new Set<Promise<void>>();
  // Woken when a line finishes: with thousands in flight (--durable), racing them all per line
  // would cost a reaction on every pending promise each time.
  let wake: (() => void) | undefined;
  let dead: fs.WriteStream | undefined;
  let lineNo = 0;
  let notApplied = 0;
  for await (const line of rl) {
    lineNo++;
    if (opts.signal?.stopped) break;
    if (line.trim() === '') continue;
    const n = lineNo;
    const p = handle(line).then((outcome) => {
      if (outcome.kind === 'dead') {
        dead ??= fs.createWriteStream(opts.deadLetterFile, { flags: 'a' });
        dead.write(`${JSON.stringify({ line: n, reason: outcome.reason, message: line })}\n`);
      } else if (outcome.kind === 'stopped') notApplied++;
    }).finally(() => {
      running.delete(p);
      wake?.();
    });
    running.add(p);
    const most = (): number => (typeof opts.inFlight === 'function' ? opts.inFlight() : opts.inFlight);
    while (running.size >= most() && running.size > 0) {
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
  }
  rl.close();
  await Promise.all([...running]);
  if (dead) await new Promise<void>((r) => dead!.end(r));
  return { lines: lineNo, notApplied };
}
