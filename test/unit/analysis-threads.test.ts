import { afterEach, describe, expect, it } from 'vitest';
import type { ParallelAnalysis } from '../../src/engine/engine.js';
import { silentLogger } from '../../src/logger.js';
import { AnalysisThreads } from '../../src/server/analysis-threads.js';
import type { ProbeTask } from '../fixtures/threads/probe-reader.js';

interface Answer { value: number; slot: number; threadId: number; here?: boolean }

/** A model of one shared Int32Array; `op` picks what the reader does with a task. */
function probe(buf: { current: SharedArrayBuffer }): ParallelAnalysis {
  return {
    readerModule: new URL('../fixtures/threads/probe-reader.ts', import.meta.url).href,
    maxThreads: 8,
    has: () => true,
    shared: () => ({ buf: buf.current }),
    begin: (_m, args) => (args[1] === 'none' ? { result: 'answered here' } : { task: { op: args[1] as ProbeTask['op'], i: args[0] as number } satisfies ProbeTask }),
    end: (_m, _a, reply) => reply,
  };
}

function sharedInts(values: number[]): SharedArrayBuffer {
  const buf = new SharedArrayBuffer(values.length * 4);
  new Int32Array(buf).set(values);
  return buf;
}

const hereAnswer = (buf: { current: SharedArrayBuffer }, i: number): Answer => ({ value: new Int32Array(buf.current)[i]!, slot: 0, threadId: 0, here: true });

/** Submits `n` calls at once (one pass of the event loop), `op` each. */
function batch(threads: AnalysisThreads, par: ParallelAnalysis, buf: { current: SharedArrayBuffer }, n: number, op: ProbeTask['op'] = 'read') {
  return Array.from({ length: n }, (_, i) => threads.submit(par, 'm', [i % 4, op], () => hereAnswer(buf, i % 4)));
}

/** Batches until a worker answers (they start on demand); bounded by count, not time. */
async function untilWorkerAnswers(threads: AnalysisThreads, par: ParallelAnalysis, buf: { current: SharedArrayBuffer }): Promise<Answer[]> {
  for (let round = 0; round < 2000; round++) {
    const answers = (await Promise.all(batch(threads, par, buf, 6))) as Answer[];
    if (answers.some((a) => !a.here)) return answers;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('no worker thread ever answered');
}

let threads: AnalysisThreads | undefined;
afterEach(async () => {
  await threads?.close();
  threads = undefined;
});

describe('analysis threads', () => {
  it('runs a lone call here, and calls that come together on worker threads too, reading the shared model', async () => {
    const buf = { current: sharedInts([10, 11, 12, 13]) };
    const par = probe(buf);
    threads = new AnalysisThreads(2, silentLogger);
    expect(await threads.submit(par, 'm', [2, 'read'], () => hereAnswer(buf, 2))).toEqual(hereAnswer(buf, 2));
    expect(threads.running).toBe(0); // a lone call starts nothing
    const answers = await untilWorkerAnswers(threads, par, buf);
    expect(answers.map((a) => a.value)).toEqual([10, 11, 12, 13, 10, 11]);
    const remote = answers.filter((a) => !a.here);
    expect(remote.every((a) => a.slot >= 1 && a.slot <= 2 && a.threadId !== 0)).toBe(true);
    // A call answered in `begin` needs no thread.
    expect(await Promise.all(Array.from({ length: 4 }, () => threads!.submit(par, 'm', [0, 'none'], () => 'x')))).toContain('answered here');
  });

  it('sends new shared handles before the next task once the model is reallocated', async () => {
    const buf = { current: sharedInts([1, 2, 3, 4]) };
    const par = probe(buf);
    threads = new AnalysisThreads(1, silentLogger);
    await untilWorkerAnswers(threads, par, buf);
    buf.current = sharedInts([41, 42, 43, 44]);
    const answers = await untilWorkerAnswers(threads, par, buf);
    expect(answers.map((a) => a.value)).toEqual([41, 42, 43, 44, 41, 42]);
  });

  it('answers a task that throws with its error, and the thread serves on', async () => {
    const buf = { current: sharedInts([5, 6, 7, 8]) };
    const par = probe(buf);
    threads = new AnalysisThreads(1, silentLogger);
    await untilWorkerAnswers(threads, par, buf);
    const settled = await Promise.allSettled(batch(threads, par, buf, 4, 'throw'));
    const refused = settled.filter((s) => s.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    expect(String((refused[0] as PromiseRejectedResult).reason.message)).toMatch(/^task \d refused$/);
    expect((await untilWorkerAnswers(threads, par, buf)).map((a) => a.value)).toEqual([5, 6, 7, 8, 5, 6]);
  });

  it('answers the calls of a thread that dies with an error, and replaces the thread', async () => {
    const buf = { current: sharedInts([1, 2, 3, 4]) };
    const par = probe(buf);
    threads = new AnalysisThreads(1, silentLogger);
    const first = (await untilWorkerAnswers(threads, par, buf)).find((a) => !a.here)!;
    let died: Error | undefined;
    for (let round = 0; round < 200 && !died; round++) {
      const settled = await Promise.allSettled(batch(threads, par, buf, 4, 'exit'));
      died = settled.map((s) => (s.status === 'rejected' ? (s.reason as Error) : undefined)).find(Boolean);
    }
    expect(died?.message).toMatch(/analysis thread 1 died \(exit code 3\) before answering; the call was not run, retry it/);
    const again = (await untilWorkerAnswers(threads, par, buf)).find((a) => !a.here)!;
    expect(again.slot).toBe(1);
    expect(again.threadId).not.toBe(first.threadId);
  });
});
