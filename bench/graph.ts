/**
 * The graph engine (graph_wo_index, default config): create_edge throughput over loopback
 * msgpack-rpc against a real `juba serve graph` (32 in flight) on a random graph of N nodes with
 * 3N edges, then the time of update_index (one PageRank step per preset query plus a relaxation
 * pass of each landmark's trees) over RPC, with one centrality and one shortest-path query, and
 * the same in-process. Prints one JSON line.
 *
 *   npm run build && node --import tsx bench/graph.ts [nodes=10000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServiceClient } from '../src/client/service-client.js';
import { graphFactory } from '../src/engine/graph/service.js';
import { loadEngineDescriptor } from '../src/idl/descriptor.js';
import { killStarted, startServing } from '../test/harness/processes.js';
import { rand } from './random-data.js';

const NODES = Number(process.argv[2] ?? 10_000);
const EDGES = NODES * 3;
const DEPTH = 32;
const CONFIG = { method: 'graph_wo_index', parameter: { damping_factor: 0.9, landmark_num: 5 } };
const ALL = [[], []];
const edges: Array<[number, number]> = Array.from({ length: EDGES }, () => [Math.floor(rand() * NODES), Math.floor(rand() * NODES)]);

const out: Record<string, unknown> = { bench: 'graph', workload: `random graph, ${NODES} nodes, ${EDGES} edges, 1 centrality + 1 shortest-path query`, nodes: NODES, edges: EDGES };
try {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-bench-'));
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(CONFIG));
  const { port } = await startServing(['graph', '-f', file, '-t', '0'], /juba server started/);
  const client = new ServiceClient(loadEngineDescriptor('graph'), { host: '127.0.0.1', port, timeoutMs: 600_000 });
  await client.call('add_centrality_query', ALL);
  await client.call('add_shortest_path_query', ALL);
  let next = 0;
  let t0 = performance.now();
  await Promise.all(Array.from({ length: DEPTH }, async () => {
    while (next < NODES) {
      next++;
      await client.call('create_node');
    }
  }));
  out.create_node_per_sec_rpc_depth32 = Math.round(NODES / ((performance.now() - t0) / 1000));
  next = 0;
  t0 = performance.now();
  await Promise.all(Array.from({ length: DEPTH }, async () => {
    while (next < EDGES) {
      const [s, t] = edges[next++]!;
      await client.call('create_edge', String(s), [new Map(), String(s), String(t)]);
    }
  }));
  out.create_edge_per_sec_rpc_depth32 = Math.round(EDGES / ((performance.now() - t0) / 1000));
  const steps: number[] = [];
  for (let i = 0; i < 3; i++) {
    t0 = performance.now();
    await client.call('update_index');
    steps.push(+(performance.now() - t0).toFixed(1));
  }
  out.update_index_ms_rpc = steps;
  client.close();

  const e = graphFactory.create(CONFIG, { owner: 'bench_0' });
  e.add_centrality_query([[], []]);
  e.add_shortest_path_query([[], []]);
  for (let i = 0; i < NODES; i++) e.create_node();
  t0 = performance.now();
  for (const [s, t] of edges) e.create_edge(String(s), [new Map(), String(s), String(t)]);
  out.create_edge_per_sec_in_process = Math.round(EDGES / ((performance.now() - t0) / 1000));
  const local: number[] = [];
  for (let i = 0; i < 3; i++) {
    t0 = performance.now();
    e.update_index();
    local.push(+(performance.now() - t0).toFixed(1));
  }
  out.update_index_ms_in_process = local;
} finally {
  killStarted();
}
console.log(JSON.stringify(out));
