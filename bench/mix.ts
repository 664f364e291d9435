/**
 * MIX benchmark: linear_mixer rounds between in-process nearest_neighbor servers (hands-on
 * config: euclid_lsh, hash_num 64, num_rules `* → num`) over loopback msgpack-rpc, with a real
 * ZooKeeper from the test harness. Rows are spread evenly over the servers, then one do_mix
 * moves them all: get_diff from every server, fold, put_diff to every server. All servers share
 * one event loop here, so a round costs what the whole cluster spends on it, not one server.
 * Prints one JSON line.
 *
 * Run:   npx tsx bench/mix.ts
 */
import os from 'node:os';
import { Zk } from '../src/cluster/zk.js';
import { prepareJubatus, registerNode, listActives } from '../src/cluster/membership.js';
import { nearestNeighborFactory, type NearestNeighborEngine } from '../src/engine/nearest_neighbor/service.js';
import { loadEngineDescriptor } from '../src/idl/descriptor.js';
import { silentLogger } from '../src/logger.js';
import { EngineServer } from '../src/server/engine-server.js';
import { LinearMixer } from '../src/server/mix/linear-mixer.js';
import { SERVER_DEFAULTS } from '../src/server/options.js';
import { freePort } from '../test/harness/processes.js';
import { startZooKeeper } from '../test/harness/zookeeper.js';
import { datum } from './random-data.js';

const TYPE = 'nearest_neighbor';
const CONFIG = { method: 'euclid_lsh', parameter: { hash_num: 64 }, converter: { num_rules: [{ key: '*', type: 'num' }] } };
const CASES: Array<[servers: number, rows: number]> = [[2, 10_000], [3, 10_000], [2, 100_000], [3, 100_000]];
const TARGET_MS = 1000;

interface Member {
  server: EngineServer;
  mixer: LinearMixer;
  zk: Zk;
}

async function startMember(hosts: string, cluster: string): Promise<Member> {
  const options = {
    ...SERVER_DEFAULTS, listenAddr: '127.0.0.1', rpcPort: await freePort(), datadir: os.tmpdir(), timeout: 0,
    zookeeper: hosts, name: cluster,
  };
  const server = new EngineServer({
    factory: nearestNeighborFactory, descriptor: loadEngineDescriptor(TYPE), options,
    configText: JSON.stringify(CONFIG), configSource: 'bench', logger: silentLogger,
  });
  const zk = await Zk.connect(hosts, { sessionTimeoutMs: 10_000 });
  await prepareJubatus(zk, TYPE, cluster);
  const mixer = new LinearMixer({
    server, zk: () => zk, type: TYPE, name: cluster, intervalSec: 0, intervalCount: 0,
    interconnectTimeoutSec: 30, logger: silentLogger, fatal: (r) => { throw new Error(r); },
  });
  await server.listen();
  await registerNode(zk, TYPE, cluster, server.ipPort);
  mixer.start();
  return { server, mixer, zk };
}

async function waitActive(zk: Zk, cluster: string, n: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await listActives(zk, TYPE, cluster)).length < n) {
    if (Date.now() > deadline) throw new Error(`${cluster}: servers did not become active`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface CaseResult {
  servers: number;
  rows: number;
  round_ms: number;
  do_mix_ms: number;
  merged_bytes: number;
  empty_round_ms: number;
}

async function runCase(hosts: string, admin: Zk, servers: number, rows: number): Promise<CaseResult> {
  const cluster = `bench_${servers}_${rows}`;
  const members: Member[] = [];
  for (let i = 0; i < servers; i++) members.push(await startMember(hosts, cluster));
  await waitActive(admin, cluster, servers);
  for (let i = 0; i < rows; i++) (members[i % servers]!.server.engine as NearestNeighborEngine).set_row(`row-${i}`, datum());
  const master = members[0]!.mixer;
  const t0 = performance.now();
  if (!(await master.doMix())) throw new Error(`${cluster}: do_mix failed`);
  const doMixMs = performance.now() - t0;
  const roundMs = master.stats.lastDurationMs;
  const bytes = master.stats.lastBytes;
  for (const m of members) {
    const got = (m.server.engine as NearestNeighborEngine).model.size;
    if (got !== rows) throw new Error(`${cluster}: ${m.server.ipPort} has ${got} rows after MIX, expected ${rows}`);
  }
  // The steady state: a round where nobody has anything new.
  await master.doMix();
  const emptyMs = master.stats.lastDurationMs;
  for (const m of members) {
    await m.mixer.stop();
    await m.zk.close();
    await m.server.close();
  }
  const r = (x: number) => Math.round(x * 10) / 10;
  return { servers, rows, round_ms: r(roundMs), do_mix_ms: r(doMixMs), merged_bytes: bytes, empty_round_ms: r(emptyMs) };
}

async function main(): Promise<void> {
  const zkServer = await startZooKeeper();
  const admin = await Zk.connect(zkServer.hosts, { sessionTimeoutMs: 10_000 });
  try {
    const results: CaseResult[] = [];
    for (const [servers, rows] of CASES) results.push(await runCase(zkServer.hosts, admin, servers, rows));
    const big = results.find((x) => x.servers === 3 && x.rows === 100_000)!;
    console.log(JSON.stringify({
      bench: 'mix',
      config: 'euclid_lsh hash_num 64, num_rules *->num, 3 num features',
      node: process.version,
      cases: results,
      target: { servers: 3, rows: 100_000, round_ms_below: TARGET_MS, met: big.round_ms < TARGET_MS },
    }));
  } finally {
    await admin.close();
    await zkServer.destroy();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
