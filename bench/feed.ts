/**
 * Stream throughput with real processes on loopback: `juba source` publishing to a real
 * RabbitMQ, `juba feed` consuming it into a standalone server (ack after apply, prefetch 64),
 * and the same rows as JSON lines through stdin. Then the cost of `juba feed --durable`: the
 * same JSON lines into a 3-server ZooKeeper cluster, plain (through a proxy) and --durable
 * (routed client-side, done once a MIX holds each row), at MIX intervals of 1 s and 5 s: rows/s
 * and the feed process's peak RSS. Prints one JSON object of figures.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeHandsOnConfig } from '../test/harness/cluster.js';
import { freePort, JUBA, killStarted, runJuba, runJubaToEnd, type JubaProcess } from '../test/harness/processes.js';
import { startRabbitMq } from '../test/harness/rabbitmq.js';
import { startZooKeeper } from '../test/harness/zookeeper.js';

const N = Number(process.env.FEED_ROWS ?? 50_000);
const DURABLE_N = Number(process.env.FEED_DURABLE_ROWS ?? 20_000);

async function pipeSourceToFeed(port: number): Promise<{ applied: number; perSecond: number }> {
  // A shell pipe, as a user types it; both ends are this package's bin.
  const cmd = `"${process.execPath}" "${JUBA}" source --count ${N} --seed 3 | "${process.execPath}" "${JUBA}" feed -s 127.0.0.1:${port} --json`;
  const p = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  await new Promise((r) => p.on('exit', r));
  return JSON.parse(out) as { applied: number; perSecond: number };
}

/** Peak RSS of a process in MB, from /proc (VmHWM). */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

/** One feed of `file` into cluster `name`; peak RSS read just before the process exits. */
async function feedCluster(zkHosts: string, name: string, file: string, durable: boolean): Promise<{ perSecond: number; peakRssMb: number; merged?: number; awaitMerge?: number }> {
  const p = spawn(process.execPath, [JUBA, 'feed', '-f', file, '-t', 'nearest_neighbor', '-z', zkHosts, '-n', name, '--json',
    ...(durable ? ['--durable'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let peak = 0;
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', () => undefined);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, peakRssMb(p.pid!));
    } catch { /* exited */ }
  }, 100);
  await new Promise((r) => p.on('exit', r));
  clearInterval(timer);
  const s = JSON.parse(out) as { perSecond: number; merged?: number; seconds: number; awaitMerge?: number };
  return { perSecond: Math.round((durable ? s.merged! : DURABLE_N) / s.seconds), peakRssMb: peak, merged: s.merged, awaitMerge: s.awaitMerge };
}

async function durableCost(): Promise<Record<string, unknown>> {
  const zk = await startZooKeeper();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-bench-feed-'));
  const out: Record<string, unknown> = { durableRows: DURABLE_N };
  const procs: JubaProcess[] = [];
  try {
    const file = path.join(tmp, 'rows.jsonl');
    const src = await runJubaToEnd(['source', '--count', String(DURABLE_N), '--seed', '4']);
    fs.writeFileSync(file, src.stdout);
    for (const interval of [1, 5]) {
      const name = `bench_mix${interval}`;
      await writeHandsOnConfig(zk.hosts, tmp, [name]);
      const started: Array<Promise<void>> = [];
      for (let i = 0; i < 3; i++) {
        const p = runJuba(['serve', 'nearest_neighbor', '-z', zk.hosts, '-n', name, '-d', tmp, '-s', String(interval), '-i', '0',
          '-p', String(await freePort()), '-b', '127.0.0.1']);
        procs.push(p);
        started.push(p.waitForLog(/juba server started/, 30_000));
      }
      if (interval === 1) {
        const proxy = runJuba(['serve', 'nearest_neighbor', '--proxy', '-z', zk.hosts, '-p', String(await freePort()), '-b', '127.0.0.1']);
        procs.push(proxy);
        started.push(proxy.waitForLog(/juba proxy started/, 30_000));
      }
      await Promise.all(started);
      // Each run writes the same ids (set_row overwrites): plain first, then durable.
      const plain = await feedCluster(zk.hosts, name, file, false);
      const durable = await feedCluster(zk.hosts, name, file, true);
      out[`mix${interval}s`] = {
        plainPerSec: plain.perSecond, durablePerSec: durable.perSecond,
        plainPeakRssMb: plain.peakRssMb, durablePeakRssMb: durable.peakRssMb,
        durableMerged: durable.merged,
        // --await-merge as the feed sized it at the end (one MIX interval at the measured rate).
        durableAwaitMerge: durable.awaitMerge,
      };
    }
  } finally {
    for (const p of procs) await p.stop();
    await zk.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}

async function main(): Promise<void> {
  if (process.env.FEED_DURABLE_ONLY) {
    console.log(JSON.stringify({ bench: 'feed', durable: await durableCost() }));
    return;
  }
  const mq = await startRabbitMq();
  const port = await freePort();
  const server = runJuba(['serve', 'nearest_neighbor', '-f', 'config/nearest_neighbor/sensor.json', '-p', String(port), '-b', '127.0.0.1']);
  let figures: Record<string, unknown>;
  try {
    await server.waitForLog(/juba server started/);
    const pub = await runJubaToEnd(['source', '--count', String(N), '--amqp', mq.url, '--queue', 'bench', '--json']);
    if (pub.code !== 0) throw new Error(pub.stderr);
    const published = JSON.parse(pub.stdout) as { perSecond: number };
    const feed = await runJubaToEnd(['feed', '--amqp', mq.url, '--queue', 'bench', '-s', `127.0.0.1:${port}`, '--count', String(N), '--in-flight', process.env.FEED_IN_FLIGHT ?? '64', '--json']);
    if (feed.code !== 0) throw new Error(feed.stderr);
    const fed = JSON.parse(feed.stdout) as { applied: number; perSecond: number };
    const jsonl = await pipeSourceToFeed(port);
    figures = {
      bench: 'feed',
      rows: N,
      sourcePublishPerSec: published.perSecond,
      amqpFeedAppliedPerSec: fed.perSecond,
      amqpFeedApplied: fed.applied,
      jsonlPipeAppliedPerSec: jsonl.perSecond,
    };
  } finally {
    await server.stop();
    killStarted();
    await mq.destroy();
  }
  figures.durable = await durableCost();
  console.log(JSON.stringify(figures));
}

await main();
