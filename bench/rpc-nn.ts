/**
 * nearest_neighbor over loopback msgpack-rpc against a real `juba serve` process, with the
 * hands-on config (euclid_lsh, hash_num 64, three numeric features).
 * Prints one JSON line: set_row/s pipelined at depth 32, similar_row_from_id(…, 10) latency
 * percentiles and sequential q/s, and the server's RSS.
 *
 *   npm run build && npx tsx bench/rpc-nn.ts [rows=100000] [queries=5000]
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceClient } from '../src/client/service-client.js';
import { loadEngineDescriptor } from '../src/idl/descriptor.js';
import type { Datum } from '../src/engine/datum.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROWS = Number(process.argv[2] ?? 100_000);
const QUERIES = Number(process.argv[3] ?? 5000);
const DEPTH = 32;

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

function datum(i: number): Datum {
  // Deterministic pseudo-random points around the 27 hands-on cluster centres.
  const r = (k: number): number => ((Math.sin(i * 12.9898 + k * 78.233) * 43758.5453) % 1 + 1) % 1;
  return { stringValues: [], numValues: [['x', Math.floor(r(1) * 3) + r(2) * 0.1], ['y', Math.floor(r(3) * 3) + r(4) * 0.1], ['z', Math.floor(r(5) * 3) + r(6) * 0.1]], binaryValues: [] };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const port = await freePort();
const server = spawn(process.execPath, [path.join(ROOT, 'bin/run.js'), 'serve', 'nearest_neighbor', '-f', path.join(ROOT, 'config/nearest_neighbor/euclid_lsh.json'), '-p', String(port), '-b', '127.0.0.1', '-t', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
let log = '';
server.stderr!.on('data', (d) => (log += d));
await new Promise<void>((resolve, reject) => {
  const t = setInterval(() => {
    if (log.includes('juba server started')) { clearInterval(t); resolve(); }
    if (server.exitCode !== null) { clearInterval(t); reject(new Error(log)); }
  }, 20);
});

const client = new ServiceClient(loadEngineDescriptor('nearest_neighbor'), { host: '127.0.0.1', port, timeoutMs: 60_000 });
try {
  const datums = Array.from({ length: ROWS }, (_, i) => datum(i));
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: DEPTH }, async () => {
    while (next < ROWS) {
      const i = next++;
      await client.call('set_row', `r${i}`, datums[i]);
    }
  }));
  const setRowPerSec = ROWS / ((performance.now() - t0) / 1000);

  for (let i = 0; i < 200; i++) await client.call('similar_row_from_id', `r${i}`, 10); // warm-up
  const lat: number[] = [];
  const q0 = performance.now();
  for (let i = 0; i < QUERIES; i++) {
    const s = performance.now();
    await client.call('similar_row_from_id', `r${(i * 7919) % ROWS}`, 10);
    lat.push(performance.now() - s);
  }
  const qps = QUERIES / ((performance.now() - q0) / 1000);
  lat.sort((a, b) => a - b);
  const status = [...(await client.getStatus()).values()][0]!;
  console.log(JSON.stringify({
    bench: 'rpc-nearest_neighbor',
    config: 'euclid_lsh hash_num 64, 3 num features',
    rows: ROWS,
    set_row_per_sec_pipelined_depth32: Math.round(setRowPerSec),
    similar_row_from_id_10: { p50_ms: +pct(lat, 50).toFixed(3), p99_ms: +pct(lat, 99).toFixed(3), mean_ms: +(lat.reduce((a, b) => a + b, 0) / lat.length).toFixed(3), qps_sequential: Math.round(qps) },
    server_rss_mb: Math.round(Number(status.get('RSS')) / 1024),
  }));
} finally {
  client.close();
  server.kill('SIGTERM');
}
