/**
 * The recommender over loopback msgpack-rpc against real `juba serve` processes: documents of 20
 * words (5,000-word vocabulary, space splitter, tf/bin), one update_row per call. (A feature
 * every row carries, such as a number, puts every row on its posting list: the inverted index
 * then scores them all, as 1.1.1's does.)
 * For inverted_index and lsh (hash_num 64): update_row/s (pipelined, depth 32) while the model
 * grows to 10k and then to 100k rows, and similar_row_from_datum(q, 10) latency at each size
 * (sequential, one call in flight). Prints one JSON line.
 *
 *   npm run build && node --import tsx bench/recommender.ts [rows=100000] [queries=300]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServiceClient } from '../src/client/service-client.js';
import type { Datum } from '../src/engine/datum.js';
import { loadEngineDescriptor } from '../src/idl/descriptor.js';
import { killStarted, startServing } from '../test/harness/processes.js';
import { rand } from './random-data.js';

const ROWS = Number(process.argv[2] ?? 100_000);
const QUERIES = Number(process.argv[3] ?? 300);
const SIZES = [10_000, ROWS].filter((n, i, a) => n <= ROWS && a.indexOf(n) === i);
const DEPTH = 32;
const VOCAB = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}`);
const CONVERTER = {
  string_rules: [{ key: 'body', type: 'space', sample_weight: 'tf', global_weight: 'bin' }],
};

/** Words lean towards one of 20 topics' slices of the vocabulary, so similar rows exist. */
function doc(): Datum {
  const topic = Math.floor(rand() * 20);
  const words = Array.from({ length: 20 }, () => VOCAB[rand() < 0.6 ? topic * 250 + Math.floor(rand() * 250) : Math.floor(rand() * 5000)]!);
  return { stringValues: [['body', words.join(' ')]], numValues: [], binaryValues: [] };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function serve(config: object): Promise<{ client: ServiceClient; stop: () => Promise<unknown> }> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'juba-bench-')), 'config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const { p, port } = await startServing(['recommender', '-f', file, '-t', '0'], /juba server started/);
  return { client: new ServiceClient(loadEngineDescriptor('recommender'), { host: '127.0.0.1', port, timeoutMs: 120_000 }), stop: () => p.stop() };
}

/** Calls `one(i)` for from ≤ i < to with `depth` calls in flight; calls/s. */
async function pipelined(from: number, to: number, depth: number, one: (i: number) => Promise<unknown>): Promise<number> {
  let next = from;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: depth }, async () => {
    while (next < to) await one(next++);
  }));
  return (to - from) / ((performance.now() - t0) / 1000);
}

const docs = Array.from({ length: ROWS }, doc);
const queries = Array.from({ length: QUERIES }, doc);
const out: Record<string, unknown> = {
  bench: 'recommender', workload: '20 words of 5000 (tf/bin) per row, 1 update_row per call; similar_row_from_datum(q, 10)', rows: ROWS,
};
try {
  for (const [name, config] of [
    ['inverted_index', { method: 'inverted_index', converter: CONVERTER }],
    ['lsh', { method: 'lsh', parameter: { hash_num: 64 }, converter: CONVERTER }],
  ] as const) {
    const { client, stop } = await serve(config);
    const figures: Record<string, unknown> = {};
    let done = 0;
    for (const size of SIZES) {
      const perSec = await pipelined(done, size, DEPTH, (i) => client.call('update_row', `r${i}`, docs[i]!));
      done = size;
      for (let i = 0; i < 20; i++) await client.call('similar_row_from_datum', queries[i]!, 10); // warm-up
      const lat: number[] = [];
      for (const q of queries) {
        const s = performance.now();
        await client.call('similar_row_from_datum', q, 10);
        lat.push(performance.now() - s);
      }
      lat.sort((a, b) => a - b);
      figures[`${size / 1000}k`] = {
        update_row_per_sec_pipelined_depth32: Math.round(perSec),
        similar_row_from_datum_p50_ms: +pct(lat, 50).toFixed(3),
        similar_row_from_datum_p99_ms: +pct(lat, 99).toFixed(3),
      };
    }
    out[name] = figures;
    client.close();
    await stop();
  }
  console.log(JSON.stringify(out));
} finally {
  killStarted();
}
