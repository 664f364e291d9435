/**
 * The anomaly engine over loopback msgpack-rpc against real `juba serve` processes, with the
 * shipped `lof` (over euclid_lsh) and `light_lof` (over NN euclid_lsh) configs and 3-D numeric
 * points: `add` calls per second while the model grows to ROWS rows (one call in flight per
 * connection, PARALLEL connections), then calc_score(q) latency (sequential). Prints one JSON
 * line.
 *
 *   npm run build && node --import tsx bench/anomaly.ts [rows=10000] [queries=500]
 */
import path from 'node:path';
import { ServiceClient } from '../src/client/service-client.js';
import { loadEngineDescriptor } from '../src/idl/descriptor.js';
import { killStarted, ROOT, startServing } from '../test/harness/processes.js';
import { datum } from './random-data.js';

const ROWS = Number(process.argv[2] ?? 10_000);
const QUERIES = Number(process.argv[3] ?? 500);
const PARALLEL = 8;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function run(config: string): Promise<Record<string, number>> {
  const { p, port } = await startServing(['anomaly', '-f', path.join(ROOT, 'config/anomaly', config), '-t', '0'], /juba server started/);
  const client = new ServiceClient(loadEngineDescriptor('anomaly'), { host: '127.0.0.1', port, timeoutMs: 120_000 });
  try {
    const points = Array.from({ length: ROWS }, datum);
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      while (next < ROWS) await client.call('add', points[next++]);
    }));
    const addPerSec = ROWS / ((performance.now() - t0) / 1000);
    const lat: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const q = datum();
      const s = performance.now();
      await client.call('calc_score', q);
      lat.push(performance.now() - s);
    }
    lat.sort((a, b) => a - b);
    const r = (x: number): number => Math.round(x * 1000) / 1000;
    return { add_per_sec: Math.round(addPerSec), calc_score_p50_ms: r(pct(lat, 50)), calc_score_p99_ms: r(pct(lat, 99)) };
  } finally {
    client.close();
    await p.stop();
  }
}

try {
  const out: Record<string, unknown> = { bench: 'anomaly', rows: ROWS, points: '3 uniform numeric features', connections: PARALLEL };
  out.lof_euclid_lsh = await run('lof.json');
  out.light_lof_euclid_lsh = await run('light_lof.json');
  console.log(JSON.stringify(out));
} finally {
  killStarted();
}
