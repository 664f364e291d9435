/**
 * `juba feed --durable` under chaos, with real ZooKeeper, RabbitMQ and `juba` processes: three
 * servers (MIX every second) and a proxy are fed while one server is killed -9 and restarted and
 * ZooKeeper is restarted. With --durable, every row is in every live server after a final MIX
 * and the feed reports every message merged; without it, rows may be lost (printed as the
 * measured cost, not asserted).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src/client/service-client.js';
import { Zk } from '../../src/cluster/zk.js';
import * as P from '../../src/cluster/paths.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { eventually, writeHandsOnConfig } from '../harness/cluster.js';
import { freePort, JUBA, killStarted, runJuba, runJubaToEnd, type JubaProcess } from '../harness/processes.js';
import { startRabbitMq, type RabbitMqInstance } from '../harness/rabbitmq.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const desc = loadEngineDescriptor('nearest_neighbor');
const NAME = 'durable_nn';
/** Rows per run (the issue's 30,000 take minutes on 2 cores; the chaos is the same). */
const N = Number(process.env.DURABLE_ROWS ?? 4000);
const SPEED = Number(process.env.DURABLE_SPEED ?? 500);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-durable-'));
let zk: ZooKeeperInstance;
let mq: RabbitMqInstance;

interface Server { p: JubaProcess; port: number; client: ServiceClient }
const servers: Server[] = [];

async function startServer(port: number): Promise<Server> {
  const p = runJuba(['serve', 'nearest_neighbor', '-z', zk.hosts, '-n', NAME, '-d', tmp, '-s', '1', '-i', '0',
    '-p', String(port), '-b', '127.0.0.1', '-Z', '2', '-I', '5']);
  await p.waitForLog(/juba server started/, 30_000);
  return { p, port, client: new ServiceClient(desc, { host: '127.0.0.1', port, name: NAME, timeoutMs: 10_000 }) };
}

async function nodesNow(): Promise<string[]> {
  const z = await Zk.connect(zk.hosts, { sessionTimeoutMs: 5000 });
  try {
    return await z.getChildren(P.nodes('nearest_neighbor', NAME));
  } finally {
    await z.close();
  }
}

/**
 * While a feed runs after the chaos, `juba ctl mix` every few seconds: after a ZooKeeper
 * restart the interval MIX of a cluster sometimes stalls (seen in this test; a server-side
 * matter), and a durable feed rightly waits for a MIX.
 */
function mixUntil(done: Promise<unknown>): Promise<void> {
  let over = false;
  void done.finally(() => (over = true));
  return (async () => {
    while (!over) {
      await Promise.race([done, new Promise((r) => setTimeout(r, 4000))]);
      if (!over) await runJubaToEnd(['ctl', 'mix', '-z', zk.hosts, '-t', 'nearest_neighbor', '-n', NAME]);
    }
  })();
}

/** kill -9 one server, restart it on its port once ZooKeeper dropped it, then restart ZooKeeper. */
async function chaos(): Promise<void> {
  await new Promise((r) => setTimeout(r, 2000));
  const victim = servers[1]!;
  victim.p.proc.kill('SIGKILL');
  victim.client.close();
  await eventually(async () => !(await nodesNow()).includes(`127.0.0.1_${victim.port}`), 'the killed server leaves nodes/', 30_000);
  servers[1] = await startServer(victim.port);
  await new Promise((r) => setTimeout(r, 1000));
  await zk.stop();
  await new Promise((r) => setTimeout(r, 1500));
  await zk.restart();
}

const rowsOf = async (s: Server): Promise<Set<string>> => new Set((await s.client.call('get_all_rows')) as string[]);

/** After a final MIX: how many of ids [first, first+N) the server holding the fewest lacks. */
async function lostAfterMix(first: number, tries: number): Promise<number> {
  let lost = N;
  for (let t = 0; t < tries; t++) {
    await eventually(async () => (await nodesNow()).length === 3, 'three servers in nodes/', 60_000).catch(async (e) => {
      const n = await nodesNow().catch(() => []);
      throw new Error(`${(e as Error).message}: nodes/ ${n.join(' ')}; servers ${servers.map((x) => `${x.port}:${x.p.proc.exitCode ?? x.p.proc.signalCode ?? 'up'} ${x.p.stderr().slice(-400)}`).join('\n')}`);
    });
    const mix = await runJubaToEnd(['ctl', 'mix', '-z', zk.hosts, '-t', 'nearest_neighbor', '-n', NAME]);
    if (mix.code !== 0) continue;
    lost = 0;
    for (const s of servers) {
      const r = await rowsOf(s);
      let missing = 0;
      for (let i = first; i < first + N; i++) if (!r.has(String(i))) missing++;
      lost = Math.max(lost, missing);
    }
    if (lost === 0) return 0;
    await new Promise((r) => setTimeout(r, 1500));
  }
  return lost;
}

interface Summary { applied: number; merged?: number; deadLettered: number; notApplied: number; resent?: number; resentWhy?: Record<string, number> }

/** `juba source --speed | juba feed -f -` with the chaos meanwhile. */
async function feedFile(first: number, durable: boolean): Promise<Summary> {
  const feedArgs = ['feed', '-f', '-', '-t', 'nearest_neighbor', '-z', zk.hosts, '-n', NAME, '--retry-for', '120', '--json', ...(durable ? ['--durable'] : [])];
  const cmd = `"${process.execPath}" "${JUBA}" source --count ${N} --first-id ${first} --seed 5 --speed ${SPEED} | "${process.execPath}" "${JUBA}" ${feedArgs.join(' ')}`;
  // Its own process group: a timeout kills the pipe's two ends, not only the shell.
  const p = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' }, detached: true });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => p.on('exit', r));
  await chaos();
  const mixing = mixUntil(exited);
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 75_000))]);
  if (code === 'timeout') process.kill(-p.pid!, 'SIGKILL');
  await mixing;
  expect(code, err.slice(-2500)).toBe(0);
  return JSON.parse(out) as Summary;
}

async function feedQueue(first: number, durable: boolean, queue: string): Promise<Summary> {
  const feed = runJuba(['feed', '--amqp', mq.url, '--queue', queue, '-t', 'nearest_neighbor', '-z', zk.hosts, '-n', NAME,
    '--retry-for', '120', '--count', String(N), '--json', ...(durable ? ['--durable'] : [])]);
  await feed.waitForLog(/connected/, 30_000);
  const source = runJuba(['source', '--count', String(N), '--first-id', String(first), '--seed', '6', '--speed', String(SPEED), '--amqp', mq.url, '--queue', queue]);
  await chaos();
  const mixing = mixUntil(feed.exited);
  expect(await source.exited).toBe(0);
  const code = await Promise.race([feed.exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 75_000))]);
  if (code === 'timeout') feed.proc.kill('SIGKILL');
  await mixing;
  expect(code, feed.stderr().slice(-2500)).toBe(0);
  return JSON.parse(feed.stdout()) as Summary;
}

let proxy: JubaProcess | undefined;

/**
 * A fresh ZooKeeper, three servers and a proxy for each run: after a ZooKeeper restart a
 * server whose session expired does not always come back into nodes/ (seen here; a server-side
 * matter), so one run's chaos must not leave a degraded cluster to the next.
 */
async function freshCluster(): Promise<void> {
  for (const s of servers.splice(0)) {
    s.client.close();
    await s.p.stop('SIGKILL');
  }
  await proxy?.stop('SIGKILL');
  await zk?.destroy();
  zk = await startZooKeeper();
  await writeHandsOnConfig(zk.hosts, tmp, [NAME]);
  const ports = [await freePort(), await freePort(), await freePort()];
  servers.push(...(await Promise.all(ports.map((p) => startServer(p)))));
  proxy = runJuba(['serve', 'nearest_neighbor', '--proxy', '-z', zk.hosts, '-p', String(await freePort()), '-b', '127.0.0.1', '-Z', '2']);
  await proxy.waitForLog(/juba proxy started/, 30_000);
}

beforeAll(async () => {
  mq = await startRabbitMq();
}, 120_000);

afterAll(async () => {
  for (const s of servers) s.client.close();
  killStarted();
  await Promise.all([zk?.destroy(), mq?.destroy()]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * Before the issue 17 fixes these held every row once in five runs: trains dropped by put_diff
 * were vouched for, drops in a server's first answer were missed, a restart's batch waited
 * forever, a feed that finished during the ZooKeeper restart never exited (a ZooKeeper socket
 * the client library kept open), and on the server side sessions cut off past their timeout
 * never came back into nodes/ and a refused put_diff could end a master as an unhandled
 * rejection.
 */
describe('juba feed --durable: nothing lost when a server dies and ZooKeeper restarts', () => {
  it('JSON lines: every row in every live server after a final MIX', async () => {
    await freshCluster();
    const s = await feedFile(0, true);
    console.log(`durable file feed: ${JSON.stringify(s)}`);
    expect(s).toMatchObject({ applied: N, merged: N, deadLettered: 0, notApplied: 0 });
    expect(await lostAfterMix(0, 4)).toBe(0);
  }, 120_000);

  it('RabbitMQ queue: every row in every live server after a final MIX', async () => {
    await freshCluster();
    const s = await feedQueue(100_000, true, 'durable');
    console.log(`durable queue feed: ${JSON.stringify(s)}`);
    expect(s).toMatchObject({ merged: N, deadLettered: 0, notApplied: 0 });
    expect(await lostAfterMix(100_000, 4)).toBe(0);
  }, 120_000);

  it('the same run without --durable (measured, may lose rows)', async () => {
    await freshCluster();
    const s = await feedFile(200_000, false);
    const lost = await lostAfterMix(200_000, 2);
    console.log(`plain file feed: ${JSON.stringify(s)}; lost after the final MIX: ${lost} of ${N}`);
    expect(s.applied).toBe(N);
  }, 120_000);
});
