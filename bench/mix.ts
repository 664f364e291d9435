/**
 * MIX benchmark: one linear_mixer round over the hands-on rows, with real `juba serve`
 * processes (built bin/run.js) and a real ZooKeeper (test harness). For 2, 4 and 6 servers of a
 * nearest_neighbor cluster (hands-on config: euclid_lsh, hash_num 64, num_rules `* → num`), ROWS
 * rows are loaded straight into the servers (spread evenly, as the proxy's CHT would), then one
 * `do_mix` RPC moves them all: get_diff from every server, fold, put_diff to every server.
 * Each size runs REPEATS times on a fresh cluster (the machine is small and shared, so the
 * spread is part of the figure). Per run: the master's `mix.last_duration_ms` status key (the
 * round as the master sees it), the do_mix call as the caller sees it, the merged diff's bytes
 * (`mix.last_bytes`), the CPU time each server process spent during the round (the machine has
 * few cores, so the sum is what bounds a round), and an empty round after it (nobody has
 * anything new). MIX_SIZES=2,4 picks other cluster sizes.
 * Prints one JSON line: the curve of the best round per size, the runs, and the slope per added
 * server, next to Jubatus 1.1.1's figures measured on the same 2-core machine.
 *
 * Run:   npm run build && npx tsx bench/mix.ts [rows] [repeats]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServiceClient } from '../src/client/service-client.js';
import { loadEngineDescriptor } from '../src/idl/descriptor.js';
import { killStarted, runJuba, runJubaToEnd, startServing, type JubaProcess } from '../test/harness/processes.js';
import { startZooKeeper } from '../test/harness/zookeeper.js';
import { datum } from './random-data.js';

const TYPE = 'nearest_neighbor';
const CONFIG = { method: 'euclid_lsh', parameter: { hash_num: 64 }, converter: { num_rules: [{ key: '*', type: 'num' }] } };
const SIZES = (process.env.MIX_SIZES ?? '2,4,6').split(',').map(Number);
const ROWS = Number(process.argv[2] ?? 60_000);
const REPEATS = Number(process.argv[3] ?? 2);
/** Jubatus 1.1.1, same config, 60k rows loaded through a proxy, same machine (ms per round). */
const JUBATUS_111 = { 2: 212, 4: 310, 6: 373 } as Record<number, number>;
const desc = loadEngineDescriptor(TYPE);

interface Server {
  p: JubaProcess;
  client: ServiceClient;
}

interface Run {
  servers: number;
  round_ms: number;
  do_mix_ms: number;
  merged_bytes: number;
  empty_round_ms: number;
  /** CPU time (user + system, 10 ms ticks) each server spent during the round, master first. */
  cpu_ms: number[];
}

async function startServer(hosts: string, name: string, dir: string): Promise<Server> {
  // -s 0 -i 0: no round is ever triggered by updates; only do_mix runs one.
  const { p, port } = await startServing(
    [TYPE, '-z', hosts, '-n', name, '-d', dir, '-s', '0', '-i', '0', '-I', '60', '-t', '0'],
    /juba server started/,
  );
  return { p, client: new ServiceClient(desc, { host: '127.0.0.1', port, name, timeoutMs: 120_000 }) };
}

/** User + system CPU time of a process so far (Linux /proc), in ms. */
function cpuMs(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

async function statusOf(s: Server): Promise<Map<string, string>> {
  const all = await s.client.getStatus();
  return [...all.values()][0]!;
}

async function until(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Loads `rows` rows, spread round-robin, with up to 2,000 calls in flight per server. */
async function load(servers: Server[], rows: number, tag: string): Promise<void> {
  await Promise.all(servers.map(async (s, k) => {
    let inflight: Array<Promise<unknown>> = [];
    for (let i = k; i < rows; i += servers.length) {
      inflight.push(s.client.call('set_row', `${tag}-${i}`, datum()));
      if (inflight.length === 2_000) {
        await Promise.all(inflight);
        inflight = [];
      }
    }
    await Promise.all(inflight);
  }));
}

async function runOnce(hosts: string, dir: string, n: number, rep: number): Promise<Run> {
  const name = `bench_${n}_${rep}`;
  const w = await runJubaToEnd(['config', 'write', '-z', hosts, '-t', TYPE, '-n', name, '-f', path.join(dir, 'config.json')]);
  if (w.code !== 0) throw new Error(`juba config write failed: ${w.stderr}`);
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) servers.push(await startServer(hosts, name, dir));
    // Every server has caught up (not obsolete) before the rows arrive.
    await until(async () => {
      for (const s of servers) if ((await statusOf(s)).get('linear_mixer.is_obsolete') !== '0') return false;
      return true;
    }, `${name}: servers active`);
    await load(servers, ROWS, `r${rep}`);
    const master = servers[0]!;
    const cpu0 = servers.map((s) => cpuMs(s.p.pid));
    const t0 = performance.now();
    if (!(await master.client.doMix())) throw new Error(`${name}: do_mix failed`);
    const doMixMs = performance.now() - t0;
    const st = await statusOf(master);
    for (const s of servers) {
      const got = Number((await statusOf(s)).get('data'));
      if (got !== ROWS) throw new Error(`${name}: a server has ${got} rows after MIX, expected ${ROWS}`);
    }
    const cpu = servers.map((s, i) => cpuMs(s.p.pid) - cpu0[i]!);
    await master.client.doMix();
    const empty = await statusOf(master);
    const r = (x: number): number => Math.round(x * 10) / 10;
    return {
      servers: n,
      round_ms: Number(st.get('mix.last_duration_ms')),
      do_mix_ms: r(doMixMs),
      merged_bytes: Number(st.get('mix.last_bytes')),
      empty_round_ms: Number(empty.get('mix.last_duration_ms')),
      cpu_ms: cpu,
    };
  } finally {
    for (const s of servers) s.client.close();
    await Promise.all(servers.map((s) => s.p.stop()));
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-bench-mix-'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(CONFIG));
  const zk = await startZooKeeper();
  try {
    const runs: Run[] = [];
    for (let rep = 0; rep < REPEATS; rep++) for (const n of SIZES) runs.push(await runOnce(zk.hosts, dir, n, rep));
    const best = (n: number): Run => runs.filter((x) => x.servers === n).sort((a, b) => a.round_ms - b.round_ms)[0]!;
    const curve = Object.fromEntries(SIZES.map((n) => [n, best(n).round_ms]));
    const slope = (c: Record<number, number>): number => Math.round(((c[6]! - c[2]!) / 4) * 10) / 10;
    console.log(JSON.stringify({
      bench: 'mix',
      config: 'nearest_neighbor euclid_lsh hash_num 64, num_rules *->num, 3 num features',
      rows: ROWS,
      node: process.version,
      cpus: os.cpus().length,
      round_ms: curve,
      do_mix_ms: Object.fromEntries(SIZES.map((n) => [n, best(n).do_mix_ms])),
      ms_per_added_server: slope(curve),
      jubatus_1_1_1: { round_ms: JUBATUS_111, ms_per_added_server: slope(JUBATUS_111) },
      met: SIZES.every((n) => curve[n]! <= JUBATUS_111[n]!) && slope(curve) <= slope(JUBATUS_111),
      runs,
    }));
  } finally {
    killStarted();
    await zk.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  killStarted();
  process.exit(1);
});
