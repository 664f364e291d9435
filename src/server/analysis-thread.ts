/**
 * The body of one analysis thread (see analysis-threads.ts): it loads the engine's reader
 * module, says it is ready, then answers batches of tasks in order with one message each,
 * attaching to new shared handles when a batch brings them. A task that throws is answered with
 * its message; the thread lives on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { AnalysisReader } from '../engine/engine.js';

/** One message to a thread: new shared handles to attach to first (if any), then its tasks. */
export interface ThreadBatch {
  shared?: unknown;
  tasks: Array<{ id: number; task: unknown }>;
}

export type TaskResult = { id: number; reply: unknown } | { id: number; error: string };

/** One message back: `ready` once the reader module loaded, then the results of each batch. */
export type ThreadReply = { results: TaskResult[] } | { ready: true };

const { readerModule, slot } = workerData as { readerModule: string; slot: number };
const port = parentPort!;
const { createReader } = (await import(readerModule)) as { createReader(): AnalysisReader };
const reader = createReader();
port.on('message', (m: ThreadBatch) => {
  let attachError: string | undefined;
  try {
    if (m.shared !== undefined) reader.attach(m.shared, slot);
  } catch (e) {
    attachError = e instanceof Error ? e.message : String(e);
  }
  const results = m.tasks.map(({ id, task }): TaskResult => {
    if (attachError !== undefined) return { id, error: attachError };
    try {
      return { id, reply: reader.run(task) };
    } catch (e) {
      return { id, error: e instanceof Error ? e.message : String(e) };
    }
  });
  port.postMessage({ results } satisfies ThreadReply);
});
port.postMessage({ ready: true } satisfies ThreadReply);
