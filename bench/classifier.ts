/**
 * The linear learners over loopback msgpack-rpc against real `juba serve` processes, on the
 * workload of the classifier issue: AROW, datums of 20 words (5,000-word vocabulary, space
 * splitter) plus 5 numbers, 4 labels, one datum per call. Then regression PA on the same datums,
 * and the engine alone in-process (no RPC). Prints one JSON line.
 *
 *   npm run build && node --expose-gc --import tsx bench/classifier.ts [trains=50000] [queries=5000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServiceClient } from '../src/client/service-client.js';
import { classifierFactory, type ClassifierEngine } from '../src/engine/classifier/service.js';
import type { Datum } from '../src/engine/datum.js';
import { loadEngineDescriptor } from '../src/idl/descriptor.js';
import { killStarted, startServing } from '../test/harness/processes.js';
import { rand } from './random-data.js';

const TRAINS = Number(process.argv[2] ?? 50_000);
const QUERIES = Number(process.argv[3] ?? 5000);
const DEPTH = 32;
const LABELS = ['sports', 'politics', 'science', 'arts'];
const VOCAB = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}`);
const CONVERTER = {
  string_rules: [{ key: 'text', type: 'space', sample_weight: 'tf', global_weight: 'bin' }],
  num_rules: [{ key: '*', type: 'num' }],
};

/** Words lean towards their label's quarter of the vocabulary, so the model has something to learn. */
function example(): { label: string; d: Datum } {
  const li = Math.floor(rand() * LABELS.length);
  const words = Array.from({ length: 20 }, () => VOCAB[rand() < 0.5 ? li * 1250 + Math.floor(rand() * 1250) : Math.floor(rand() * 5000)]!);
  const nums: Array<[string, number]> = Array.from({ length: 5 }, (_, k) => [`n${k}`, rand() * 10 + li]);
  return { label: LABELS[li]!, d: { stringValues: [['text', words.join(' ')]], numValues: nums, binaryValues: [] } };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function serve(engine: string, config: object): Promise<{ client: ServiceClient; rssKb: () => Promise<number> }> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'juba-bench-')), 'config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const { port } = await startServing([engine, '-f', file, '-t', '0'], /juba server started/);
  const client = new ServiceClient(loadEngineDescriptor(engine), { host: '127.0.0.1', port, timeoutMs: 60_000 });
  const rssKb = async (): Promise<number> => Number([...(await client.getStatus()).values()][0]!.get('RSS'));
  return { client, rssKb };
}

/** Calls `one(i)` for i < n with `depth` calls in flight; calls/s. */
async function pipelined(n: number, depth: number, one: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: depth }, async () => {
    while (next < n) await one(next++);
  }));
  return n / ((performance.now() - t0) / 1000);
}

const examples = Array.from({ length: TRAINS }, example);
const queries = Array.from({ length: QUERIES }, () => example().d);
const out: Record<string, unknown> = { bench: 'classifier', workload: 'AROW, 20 words of 5000 + 5 numbers, 4 labels, 1 datum per call', trains: TRAINS };
try {
  const c = await serve('classifier', { method: 'AROW', parameter: { regularization_weight: 1 }, converter: CONVERTER });
  await new Promise((r) => setTimeout(r, 500));
  const idleKb = await c.rssKb();
  out.train_per_sec_pipelined_depth32 = Math.round(await pipelined(TRAINS, DEPTH, (i) => c.client.call('train', [[examples[i]!.label, examples[i]!.d]])));
  const afterKb = await c.rssKb();
  for (let i = 0; i < 200; i++) await c.client.call('classify', [queries[i]!]); // warm-up
  const lat: number[] = [];
  const q0 = performance.now();
  for (const q of queries) {
    const s = performance.now();
    await c.client.call('classify', [q]);
    lat.push(performance.now() - s);
  }
  const seqPerSec = QUERIES / ((performance.now() - q0) / 1000);
  lat.sort((a, b) => a - b);
  out.classify_sequential = { p50_ms: +pct(lat, 50).toFixed(3), p99_ms: +pct(lat, 99).toFixed(3), per_sec: Math.round(seqPerSec) };
  out.classify_per_sec_pipelined_depth32 = Math.round(await pipelined(QUERIES * 4, DEPTH, (i) => c.client.call('classify', [queries[i % QUERIES]!])));
  out.rss_mb = { idle: Math.round(idleKb / 1024), after_trains: Math.round(afterKb / 1024), model: Math.round((afterKb - idleKb) / 1024) };
  c.client.close();

  const r = await serve('regression', { method: 'PA', parameter: { sensitivity: 0.1 }, converter: CONVERTER });
  out.regression_pa_train_per_sec_pipelined_depth32 = Math.round(await pipelined(TRAINS, DEPTH, (i) => r.client.call('train', [[LABELS.indexOf(examples[i]!.label) + rand(), examples[i]!.d]])));
  r.client.close();

  // The model's own size, apart from V8's heap slack (which dominates the RSS figures above):
  // heap in use after a full GC, before and after the trains (needs node --expose-gc).
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const e = classifierFactory.create({ method: 'AROW', parameter: { regularization_weight: 1 }, converter: CONVERTER }, { owner: 'bench_1' }) as ClassifierEngine;
  const t0 = performance.now();
  for (const ex of examples) e.train([[ex.label, ex.d]]);
  const t1 = performance.now();
  for (const q of queries) e.classify([q]);
  const t2 = performance.now();
  gc?.();
  out.engine_only = {
    train_per_sec: Math.round(TRAINS / ((t1 - t0) / 1000)),
    classify_per_sec: Math.round(QUERIES / ((t2 - t1) / 1000)),
    model_heap_mb: gc ? +((process.memoryUsage().heapUsed - heap0) / 1048576).toFixed(2) : 'run with node --expose-gc',
  };
  out.jubatus_1_1_1 = { train_per_sec_pipelined: 8024, classify_per_sec_sequential: 4262, classify_p50_ms: 0.2, classify_per_sec_pipelined: 9680, rss_mb_after_50k: 16 };
  console.log(JSON.stringify(out));
} finally {
  killStarted();
}
