/**
 * Concurrent analysis throughput of one `juba serve nearest_neighbor -c N`: ROWS hands-on rows
 * (euclid_lsh, hash_num 64), then CLIENTS connections each calling similar_row_from_id(id, 10)
 * back to back (one call in flight per connection), PER_CLIENT calls each after a warm-up.
 *
 * The load runs in this process on the same cores as the server, so it is kept lean: requests
 * are encoded once up front, and answers are only framed (one is decoded and checked per
 * connection). A full client here would spend a quarter of the CPU the server is measured on.
 * Prints one JSON line per thread count given, with the server's CPU per query.
 *
 *   npm run build && npx tsx bench/concurrent.ts [threads=1,2] [rows=100000] [clients=8] [perClient=6000]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ServiceClient } from '../src/client/service-client.js';
import { loadEngineDescriptor } from '../src/idl/descriptor.js';
import { MsgReader } from '../src/msgpack/reader.js';
import { MsgWriter } from '../src/msgpack/writer.js';
import { FrameBuffer } from '../src/rpc/framing.js';
import { freePort, JUBA, ROOT, tryUnknownMethod } from '../test/harness/processes.js';
import { datum, rand } from './random-data.js';

const CONFIG = path.join(ROOT, 'config/nearest_neighbor/euclid_lsh.json');

export interface ConcurrentFigures {
  threads: number;
  threadnum: number;
  qps: number;
  server_cpu_us_per_query: number;
}

/** CPU seconds the process `pid` has used (all its threads). */
function cpuSeconds(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** similar_row_from_id("r<i>", 10) requests, encoded once. */
function requests(count: number, rows: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const w = new MsgWriter(64);
    w.arrayHeader(4);
    w.int(0);
    w.int(i);
    w.str('similar_row_from_id');
    w.arrayHeader(3);
    w.str('');
    w.str(`r${Math.floor(rand() * rows)}`);
    w.int(10);
    return w.toBytes().slice();
  });
}

/** One connection calling back to back `count` times; checks the first answer. */
function queryLoop(port: number, reqs: Uint8Array[], count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    const frames = new FrameBuffer();
    let done = 0;
    sock.on('error', reject);
    sock.on('connect', () => sock.write(reqs[0]!));
    sock.on('data', (chunk) => {
      frames.push(chunk);
      for (let f = frames.next(); f; f = frames.next()) {
        if (done === 0) {
          const m = new MsgReader(f).read() as unknown[];
          if (m[2] !== null || !Array.isArray(m[3]) || m[3].length !== 10) reject(new Error(`unexpected answer ${JSON.stringify(m)}`));
        }
        if (++done === count) {
          sock.end();
          resolve();
          return;
        }
        sock.write(reqs[done % reqs.length]!);
      }
    });
  });
}

/** Starts a server with `-c threads`, loads `rows` rows, runs the clients; returns queries/s. */
export async function concurrentQps(threads: number, rows: number, clients = 8, perClient = 6000): Promise<ConcurrentFigures> {
  const port = await freePort();
  const server = spawn(process.execPath, [JUBA, 'serve', 'nearest_neighbor', '-f', CONFIG, '-p', String(port), '-b', '127.0.0.1', '-t', '0', '-c', String(threads)], { stdio: 'ignore' });
  let loader: ServiceClient | undefined;
  try {
    for (let wait = 1; (await tryUnknownMethod(port)) !== 1; wait = Math.min(wait * 2, 200)) await new Promise((r) => setTimeout(r, wait));
    loader = new ServiceClient(loadEngineDescriptor('nearest_neighbor'), { host: '127.0.0.1', port, timeoutMs: 120_000 });
    let next = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < rows) await loader!.call('set_row', `r${next++}`, datum());
    }));
    const reqs = requests(4096, rows);
    await Promise.all(Array.from({ length: clients }, () => queryLoop(port, reqs, 500)));
    const cpu0 = cpuSeconds(server.pid!);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: clients }, () => queryLoop(port, reqs, perClient)));
    const secs = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(server.pid!) - cpu0;
    const status = [...(await loader.getStatus()).values()][0]!;
    const queries = clients * perClient;
    return {
      threads, threadnum: Number(status.get('threadnum')), qps: Math.round(queries / secs),
      server_cpu_us_per_query: Math.round((cpu * 1e6) / queries),
    };
  } finally {
    loader?.close();
    server.kill('SIGTERM');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const threads = (process.argv[2] ?? '1,2').split(',').map(Number);
  const rows = Number(process.argv[3] ?? 100_000);
  const clients = Number(process.argv[4] ?? 8);
  const perClient = Number(process.argv[5] ?? 6000);
  for (const t of threads) console.log(JSON.stringify({ bench: 'concurrent', rows, clients, ...(await concurrentQps(t, rows, clients, perClient)) }));
}
