/**
 * How fast juba starts and how small it idles (issue: start in milliseconds). Whole-process
 * figures, median of runs: `juba --version`, `juba call --help`; `juba serve nearest_neighbor`
 * and `juba serve nearest_neighbor --proxy` from exec to an answered RPC, polled the way the
 * official clients' test helpers do (an unknown method, waits of 1, 2, 4 … ms); idle RSS, RSS
 * at 100k hands-on rows (busy and settled) and bytes per row at 1M; and queries/s of 8 concurrent clients at `-c 1` and `-c 2`
 * (bench/concurrent.ts, median of 3 servers each). Prints one JSON line.
 *
 *   npm run build && npx tsx bench/startup.ts [runs=7] [rows=100000]
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { ServiceClient } from '../src/client/service-client.js';
import { loadEngineDescriptor } from '../src/idl/descriptor.js';
import { freePort, JUBA, ROOT, tryUnknownMethod } from '../test/harness/processes.js';
import { startZooKeeper } from '../test/harness/zookeeper.js';
import { concurrentQps } from './concurrent.js';
import { datum } from './random-data.js';

const RUNS = Number(process.argv[2] ?? 7);
const ROWS = Number(process.argv[3] ?? 100_000);
const CONFIG = path.join(ROOT, 'config/nearest_neighbor/euclid_lsh.json');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number): number => Math.round(x * 10) / 10;

function timeCommand(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [JUBA, ...args], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`juba ${args.join(' ')} exited ${r.status}`);
  return performance.now() - t0;
}

/** One call of an unknown method; resolves on error 1 ("no such method"), rejects otherwise. */
async function probe(port: number): Promise<void> {
  const error = await tryUnknownMethod(port);
  if (error !== 1) throw new Error(error === undefined ? 'not listening' : `unexpected answer ${String(error)}`);
}

/**
 * Exec → first answered RPC. `doubling`: waits of 1, 2, 4 … ms between tries, as the official
 * clients' test helpers poll (what they see); else a try every 2 ms (when it is really ready).
 */
async function timeServe(args: string[], doubling: boolean): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const p = spawn(process.execPath, [JUBA, 'serve', ...args, '-p', String(port), '-b', '127.0.0.1'], { stdio: 'ignore' });
  try {
    for (let wait = 1; ; wait = doubling ? wait * 2 : 2) {
      try {
        await probe(port);
        return performance.now() - t0;
      } catch {
        if (performance.now() - t0 > 20_000) throw new Error(`juba serve ${args.join(' ')} did not answer`);
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  } finally {
    p.kill('SIGKILL');
  }
}

const out: Record<string, unknown> = { bench: 'startup', runs: RUNS };
out.version_ms = ms(median(Array.from({ length: RUNS }, () => timeCommand(['--version']))));
out.call_help_ms = ms(median(Array.from({ length: RUNS }, () => timeCommand(['call', '--help']))));
const serve: number[] = [];
const seen: number[] = [];
for (let i = 0; i < RUNS; i++) {
  serve.push(await timeServe(['nearest_neighbor', '-f', CONFIG], false));
  seen.push(await timeServe(['nearest_neighbor', '-f', CONFIG], true));
}
out.serve_ready_ms = ms(median(serve));
out.serve_ready_doubling_waits_ms = ms(median(seen));
const zk = await startZooKeeper();
try {
  const proxy: number[] = [];
  for (let i = 0; i < RUNS; i++) proxy.push(await timeServe(['nearest_neighbor', '--proxy', '-z', zk.hosts], false));
  out.proxy_ready_ms = ms(median(proxy));
  // `juba ctl status` against a live 2-member cluster, as an operator runs it.
  timeCommand(['config', 'write', '-t', 'nearest_neighbor', '-n', 'bench', '-f', CONFIG, '-z', zk.hosts]);
  const members = [0, 1].map(() => spawn(process.execPath, [JUBA, 'serve', 'nearest_neighbor', '-z', zk.hosts, '-n', 'bench', '-p', '0', '-b', '127.0.0.1'], { stdio: 'ignore' }));
  try {
    await new Promise((r) => setTimeout(r, 3000));
    out.ctl_status_ms = ms(median(Array.from({ length: RUNS }, () => timeCommand(['ctl', 'status', '-n', 'bench', '-z', zk.hosts]))));
  } finally {
    for (const m of members) m.kill('SIGKILL');
  }
} finally {
  await zk.destroy();
}

// Footprint: idle, then after ROWS hands-on rows (set_row pipelined).
const port = await freePort();
const server = spawn(process.execPath, [JUBA, 'serve', 'nearest_neighbor', '-f', CONFIG, '-p', String(port), '-b', '127.0.0.1', '-t', '0'], { stdio: 'ignore' });
try {
  for (let wait = 1; ; wait *= 2) {
    try {
      await probe(port);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  const client = new ServiceClient(loadEngineDescriptor('nearest_neighbor'), { host: '127.0.0.1', port, timeoutMs: 60_000 });
  const rssMb = async (): Promise<number> => Math.round(Number([...(await client.getStatus()).values()][0]!.get('RSS')) / 1024);
  await new Promise((r) => setTimeout(r, 1000));
  out.idle_rss_mb = await rssMb();
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < ROWS) await client.call('set_row', `r${next++}`, datum());
  }));
  out.rows = ROWS;
  // Right after the load, then as an operator sees it once the calls stop (the server gives
  // the burst's memory back after 2 s of quiet).
  out.rss_mb_at_rows_busy = await rssMb();
  await new Promise((r) => setTimeout(r, 4000));
  out.rss_mb_at_rows = await rssMb();
  // Bytes per row at 1M rows: the whole process, ids and all, over the idle server.
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < 1_000_000) await client.call('set_row', `r${next++}`, datum());
  }));
  await new Promise((r) => setTimeout(r, 4000));
  const rss1m = await rssMb();
  out.rss_mb_at_1m_rows = rss1m;
  out.bytes_per_row_at_1m = Math.round(((rss1m - (out.idle_rss_mb as number)) * 1024 * 1024) / 1_000_000);
  client.close();
} finally {
  server.kill('SIGTERM');
}
// Concurrent queries: alternate -c 1 and -c 2 servers so drifts in machine load hit both.
const qps: Record<number, number[]> = { 1: [], 2: [] };
for (let i = 0; i < 3; i++) for (const c of [1, 2]) qps[c]!.push((await concurrentQps(c, ROWS)).qps);
out.qps_c1 = median(qps[1]!);
out.qps_c2 = median(qps[2]!);
out.qps_c2_over_c1 = Math.round((out.qps_c2 as number) / (out.qps_c1 as number) * 100) / 100;
console.log(JSON.stringify(out));
