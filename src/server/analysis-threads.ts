/**
 * The server's analysis threads (`-c N`): the main thread plus N − 1 worker threads, each
 * reading the one model through shared memory (engine ParallelAnalysis). Calls that arrive
 * together (one pass of the event loop) are handed out when the pass ends: to worker threads
 * with room, and the rest run here. A lone call with nothing else in flight runs here at once,
 * so a single client pays no thread hop.
 *
 * Workers start on the first concurrent calls, not with the server, so an idle server stays
 * small. A worker that dies has its calls answered with an error and is replaced on demand.
 */
import { Worker } from 'node:worker_threads';
import type { ParallelAnalysis } from '../engine/engine.js';
import { JubaError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ThreadBatch, ThreadReply } from './analysis-thread.js';

interface Job {
  par: ParallelAnalysis;
  method: string;
  args: unknown[];
  here: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

class ReaderThread {
  readonly worker: Worker;
  ready = false;
  readonly pending = new Map<number, Job>();
  /** The batch being filled by the current dispatch. */
  batch: ThreadBatch | null = null;
  /** The shared handles this thread attached to last. */
  shared: unknown = undefined;

  constructor(readonly slot: number, readerModule: string) {
    const workerData = { readerModule, slot };
    if (import.meta.url.endsWith('.ts')) {
      // Run from TypeScript sources (the tests): the thread registers tsx before loading them.
      const body = new URL('./analysis-thread.ts', import.meta.url).href;
      const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(body)}); });`;
      this.worker = new Worker(boot, { eval: true, workerData });
    } else {
      this.worker = new Worker(new URL('./analysis-thread.js', import.meta.url), { workerData });
    }
    this.worker.unref();
  }
}

export class AnalysisThreads {
  private readonly threads: Array<ReaderThread | undefined>;
  private queue: Job[] = [];
  private inFlight = 0;
  private nextId = 1;
  private closed = false;
  /** Calls answered by worker threads (the rest ran on the main thread). */
  answered = 0;
  /** Set when a worker died before it was ready (its module cannot load): no more are started. */
  private broken = false;

  /** `workers`: worker threads besides the main one. */
  constructor(workers: number, private readonly logger: Logger) {
    this.threads = new Array<ReaderThread | undefined>(workers).fill(undefined);
  }

  /** Worker threads running now (started and not dead). */
  get running(): number {
    return this.threads.filter((t) => t?.ready).length;
  }

  /**
   * Runs an analysis call of `par` on some thread; `here` is the engine's own method, for this
   * thread. The caller holds the read lock until the promise settles.
   */
  submit(par: ParallelAnalysis, method: string, args: unknown[], here: () => unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => this.dispatch());
      this.queue.push({ par, method, args, here, resolve, reject });
    });
  }

  /**
   * Hands the batch out. A worker takes calls while its queue is shorter than 3 + 3 × the calls
   * this thread has kept from the batch: a call sent away costs this thread only the hand-off,
   * while one run here also holds up every other connection's I/O, so the workers get the
   * larger share. A lone call with nothing in flight runs here at once.
   */
  private dispatch(): void {
    const batch = this.queue;
    this.queue = [];
    const here: Job[] = [];
    const used = new Set<ReaderThread>();
    const lone = batch.length === 1 && this.inFlight === 0;
    for (const job of batch) {
      const t = lone ? undefined : this.leastLoaded(job.par);
      if (!t || t.pending.size >= 3 + 3 * here.length) here.push(job);
      else if (this.add(t, job)) used.add(t);
    }
    // One message per thread per pass: the hop costs more than a task's own bytes.
    for (const t of used) {
      t.worker.postMessage(t.batch);
      t.batch = null;
    }
    // One call here per turn of the event loop: its answer is written as soon as it is done,
    // and the rest are handed out again next turn, when workers may have room.
    if (here.length === 0) return;
    if (here.length > 1) {
      this.queue = here.slice(1);
      setImmediate(() => this.dispatch());
    }
    runHere(here[0]!);
  }

  /** The ready worker with the shortest queue; starts the missing ones (ready later). */
  private leastLoaded(par: ParallelAnalysis): ReaderThread | undefined {
    let best: ReaderThread | undefined;
    for (let i = 0; i < this.threads.length; i++) {
      let t = this.threads[i];
      if (!t && !this.closed && !this.broken && i + 1 < par.maxThreads) t = this.start(i, par.readerModule);
      if (t?.ready && (!best || t.pending.size < best.pending.size)) best = t;
    }
    return best;
  }

  private start(i: number, readerModule: string): ReaderThread {
    const t = new ReaderThread(i + 1, readerModule);
    this.threads[i] = t;
    t.worker.on('message', (m: ThreadReply) => this.onReply(t, m));
    t.worker.on('error', (e) => this.onDeath(t, e.message));
    t.worker.on('exit', (code) => this.onDeath(t, `exit code ${code}`));
    return t;
  }

  /** Begins `job` and adds it to `t`'s batch; false when it was answered without a thread. */
  private add(t: ReaderThread, job: Job): boolean {
    let begun: { task: unknown } | { result: unknown };
    try {
      begun = job.par.begin(job.method, job.args);
    } catch (e) {
      job.reject(e);
      return false;
    }
    if ('result' in begun) {
      job.resolve(begun.result);
      return false;
    }
    if (!t.batch) {
      t.batch = { tasks: [] };
      const shared = job.par.shared();
      if (shared !== t.shared) {
        t.batch.shared = shared;
        t.shared = shared;
      }
    }
    const id = this.nextId++;
    t.batch.tasks.push({ id, task: begun.task });
    t.pending.set(id, job);
    this.inFlight++;
    return true;
  }

  private onReply(t: ReaderThread, m: ThreadReply): void {
    if ('ready' in m) {
      t.ready = true;
      return;
    }
    for (const r of m.results) {
      const job = t.pending.get(r.id);
      if (!job) continue;
      t.pending.delete(r.id);
      this.inFlight--;
      if ('error' in r) {
        job.reject(new JubaError(r.error));
        continue;
      }
      this.answered++;
      try {
        job.resolve(job.par.end(job.method, job.args, r.reply));
      } catch (e) {
        job.reject(e);
      }
    }
  }

  private onDeath(t: ReaderThread, why: string): void {
    if (this.threads[t.slot - 1] !== t) return;
    this.threads[t.slot - 1] = undefined;
    if (!t.ready) {
      this.broken = true;
      if (!this.closed) this.logger.error({ thread: t.slot, reason: why }, 'analysis thread failed to start; analysis calls run on the main thread');
    } else if (!this.closed) {
      this.logger.error({ thread: t.slot, reason: why }, 'analysis thread died; it is replaced on the next concurrent call');
    }
    for (const job of t.pending.values()) {
      this.inFlight--;
      job.reject(new JubaError(`analysis thread ${t.slot} died (${why}) before answering; the call was not run, retry it`));
    }
    t.pending.clear();
    void t.worker.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t?.worker.terminate()));
  }
}

function runHere(job: Job): void {
  try {
    job.resolve(job.here());
  } catch (e) {
    job.reject(e);
  }
}
