/**
 * The clustering engine: kmeans (k=3, euclidean) on 2-D points from three gaussian-ish blobs.
 * Push throughput over loopback msgpack-rpc against a real `juba serve clustering` (one point per
 * call, 32 in flight, bucket_size large enough that no re-clustering runs during the pushes), the
 * same in-process, then the time of one batch re-clustering (what a revision bump costs) at 10k
 * points for kmeans, gmm and dbscan, and of get_core_members over them. Prints one JSON line.
 *
 *   npm run build && node --import tsx bench/clustering.ts [points=10000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServiceClient } from '../src/client/service-client.js';
import { clusteringFactory, type ClusteringEngine } from '../src/engine/clustering/service.js';
import type { IndexedPoint } from '../src/engine/clustering/service-types.js';
import { loadEngineDescriptor } from '../src/idl/descriptor.js';
import { killStarted, startServing } from '../test/harness/processes.js';
import { rand } from './random-data.js';

const POINTS = Number(process.argv[2] ?? 10_000);
const DEPTH = 32;
const CENTERS = [[0, 0], [5, 5], [10, 0]] as const;
const CONVERTER = { num_rules: [{ key: '*', type: 'num' }] };
const config = (method: string, parameter: object): object => ({
  method, parameter, compressor_method: 'simple', compressor_parameter: { bucket_size: 10_000_000 }, converter: CONVERTER,
});

const points: IndexedPoint[] = Array.from({ length: POINTS }, (_, i) => {
  const [cx, cy] = CENTERS[i % 3]!;
  const g = (): number => (rand() + rand() + rand() - 1.5) * 1.5;
  return [`p${i}`, { stringValues: [], numValues: [['x', cx + g()], ['y', cy + g()]], binaryValues: [] }];
});

function timed(f: () => void): number {
  const t0 = performance.now();
  f();
  return +(performance.now() - t0).toFixed(1);
}

const out: Record<string, unknown> = { bench: 'clustering', workload: `2-D points, 3 blobs, ${POINTS} points`, points: POINTS };
try {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-bench-'));
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(config('kmeans', { k: 3, seed: 0 })));
  const { port } = await startServing(['clustering', '-f', file, '-t', '0'], /juba server started/);
  const client = new ServiceClient(loadEngineDescriptor('clustering'), { host: '127.0.0.1', port, timeoutMs: 60_000 });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: DEPTH }, async () => {
    while (next < POINTS) await client.call('push', [points[next++]!]);
  }));
  out.kmeans_push_per_sec_rpc_depth32 = Math.round(POINTS / ((performance.now() - t0) / 1000));
  client.close();

  for (const [method, parameter] of [['kmeans', { k: 3, seed: 0 }], ['gmm', { k: 3, seed: 0 }], ['dbscan', { eps: 0.3, min_core_point: 5 }]] as const) {
    const e: ClusteringEngine = clusteringFactory.create(config(method, parameter), { owner: 'bench_0' });
    const ms = timed(() => { for (const p of points) e.push([p]); });
    if (method === 'kmeans') out.kmeans_push_per_sec_in_process = Math.round(POINTS / (ms / 1000));
    out[`${method}_recluster_ms`] = timed(() => e.method.batchUpdate(e.storage.all()));
    out[`${method}_get_core_members_ms`] = timed(() => e.get_core_members());
  }
} finally {
  killStarted();
}
console.log(JSON.stringify(out));
