/**
 * The sensor hands-on as examples/sensor_nn/README.md runs it, with real RabbitMQ, real
 * ZooKeeper and real `juba` processes: source → queue → two `juba feed` consumers → two proxies
 * → two servers. One feed and one server are killed mid-stream; every message must still end up
 * applied, the queue drained, queries must find neighbours from the right cluster, poison goes
 * to the dead-letter queue with its reason, and `juba bench` reports a rate.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src/client/service-client.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { SensorSource } from '../../src/stream/sensor-source.js';
import { eventually, writeHandsOnConfig } from '../harness/cluster.js';
import { freePort, killStarted, runJuba, runJubaToEnd, type JubaProcess } from '../harness/processes.js';
import { startRabbitMq, type RabbitMqInstance } from '../harness/rabbitmq.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const desc = loadEngineDescriptor('nearest_neighbor');
const NAME = 'sensor_nn';
const QUEUE = 'sensor';
const PART = 3000;
const SEED = 7;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-stream-'));
let zk: ZooKeeperInstance;
let mq: RabbitMqInstance;

interface Member { p: JubaProcess; port: number; client: ServiceClient }

async function start(args: string[], ready: RegExp): Promise<Member> {
  const port = await freePort();
  const p = runJuba([...args, '-p', String(port), '-b', '127.0.0.1', '-Z', '2', '-I', '5']);
  await p.waitForLog(ready, 30_000);
  return { p, port, client: new ServiceClient(desc, { host: '127.0.0.1', port, name: NAME, timeoutMs: 10_000 }) };
}

const serverArgs = (): string[] => ['serve', 'nearest_neighbor', '-z', zk.hosts, '-n', NAME, '-d', tmp, '-s', '0', '-i', '0'];
const feedArgs = (proxy: Member): string[] =>
  ['feed', '--amqp', mq.url, '--queue', QUEUE, '-t', 'nearest_neighbor', '-n', NAME, '-s', `127.0.0.1:${proxy.port}`, '--json'];
const rows = async (m: Member): Promise<Set<string>> => new Set((await m.client.call('get_all_rows')) as string[]);

async function queueDepth(queue: string): Promise<{ messageCount: number; consumerCount: number }> {
  const c = await amqp.connect(mq.url);
  try {
    const ch = await c.createChannel();
    return await ch.checkQueue(queue);
  } finally {
    await c.close();
  }
}

let s1: Member;
let s2: Member;
let p1: Member;
let p2: Member;

beforeAll(async () => {
  // Both start at once; whichever started is kept for afterAll even when the other fails.
  const [z, m] = await Promise.allSettled([startZooKeeper(), startRabbitMq()]);
  if (z.status === 'fulfilled') zk = z.value;
  if (m.status === 'fulfilled') mq = m.value;
  for (const r of [z, m]) if (r.status === 'rejected') throw r.reason;
  await writeHandsOnConfig(zk.hosts, tmp, [NAME]);
  [s1, s2] = await Promise.all([start(serverArgs(), /juba server started/), start(serverArgs(), /juba server started/)]);
  const proxyArgs = ['serve', 'nearest_neighbor', '--proxy', '-z', zk.hosts];
  [p1, p2] = await Promise.all([start(proxyArgs, /juba proxy started/), start(proxyArgs, /juba proxy started/)]);
  await eventually(async () => (await p1.client.getStatus()).size === 2 && (await p2.client.getStatus()).size === 2, 'both servers behind both proxies');
}, 180_000);

afterAll(async () => {
  for (const m of [s1, s2, p1, p2]) m?.client.close();
  killStarted();
  await Promise.all([zk?.destroy(), mq?.destroy()]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the sensor hands-on: source → RabbitMQ → juba feed ×2 → proxies → servers', () => {
  let feedA: JubaProcess;
  let feedB: JubaProcess;

  it('applies every message of the first part across both servers', async () => {
    feedA = runJuba(feedArgs(p1));
    feedB = runJuba(feedArgs(p2));
    await Promise.all([feedA.waitForLog(/connected/, 30_000), feedB.waitForLog(/connected/, 30_000)]);
    const sent = await runJubaToEnd(['source', '--count', String(PART), '--seed', String(SEED), '--amqp', mq.url, '--queue', QUEUE, '--json']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ sent: PART });
    await eventually(async () => {
      const [a, b] = [await rows(s1), await rows(s2)];
      return new Set([...a, ...b]).size === PART;
    }, `all ${PART} rows applied`, 60_000);
    const [a, b] = [await rows(s1), await rows(s2)];
    expect(a.size + b.size).toBe(PART); // cht(1): each row on one server, none twice
    expect(a.size).toBeGreaterThan(0);
    expect(b.size).toBeGreaterThan(0);
  }, 90_000);

  it('loses nothing when a feed and a server are killed mid-stream', async () => {
    const mix = await runJubaToEnd(['ctl', 'mix', '-z', zk.hosts, '-t', 'nearest_neighbor', '-n', NAME]);
    expect(mix.code, mix.stderr).toBe(0);
    expect((await rows(s1)).size).toBe(PART);

    // The second part streams while server 2 dies (its rows so far were mixed into server 1)
    // and feed A is killed holding unacknowledged messages, which the broker gives to feed B.
    const source = runJuba(['source', '--count', String(PART), '--first-id', String(PART), '--seed', String(SEED + 1),
      '--speed', '1500', '--amqp', mq.url, '--queue', QUEUE]);
    s2.p.proc.kill('SIGKILL');
    // Feed A dies once the second part is flowing (it holds unacknowledged messages then).
    await eventually(async () => (await rows(s1)).size >= PART + 50, 'the second part to reach the survivor', 60_000);
    feedA.proc.kill('SIGKILL');
    expect(await source.exited).toBe(0);

    await eventually(async () => (await rows(s1)).size === 2 * PART, `all ${2 * PART} rows on the survivor`, 90_000);
    const all = await rows(s1);
    for (let i = 0; i < 2 * PART; i++) expect(all.has(String(i))).toBe(true);

    // Feed B drains the queue and reports what it applied.
    await eventually(async () => (await queueDepth(QUEUE)).messageCount === 0, 'queue drained', 30_000);
    expect(await feedB.stop('SIGTERM')).toBe(0);
    const summary = JSON.parse(feedB.stdout()) as { applied: number; deadLettered: number; notApplied: number };
    expect(summary.applied).toBeGreaterThan(PART / 2);
    expect(summary.deadLettered).toBe(0);
    expect(summary.notApplied).toBe(0);
    expect(await queueDepth(QUEUE)).toMatchObject({ messageCount: 0, consumerCount: 0 });
  }, 180_000);

  it('finds neighbours from the same cluster (gp) for most rows', async () => {
    const gp = new Map<string, string>();
    const first = new SensorSource({ seed: SEED });
    for (let i = 0; i < PART; i++) { const [id, d] = first.next(); gp.set(id, d.gp); }
    const second = new SensorSource({ seed: SEED + 1, firstId: PART });
    for (let i = 0; i < PART; i++) { const [id, d] = second.next(); gp.set(id, d.gp); }
    let good = 0;
    let total = 0;
    for (let i = 0; i < 2 * PART; i += 60) {
      const hits = (await p1.client.call('similar_row_from_id', String(i), 5)) as Array<[string, number]>;
      expect(hits[0]![0]).toBe(String(i));
      for (const [id] of hits.slice(1)) {
        total++;
        if (gp.get(id) === gp.get(String(i))) good++;
      }
    }
    expect(total).toBeGreaterThan(300);
    expect(good / total).toBeGreaterThan(0.9);
  }, 60_000);

  it('dead-letters a poison message with its reason and keeps going', async () => {
    const feed = runJuba([...feedArgs(p1), '--idle-exit', '2']);
    await feed.waitForLog(/connected/, 30_000);
    const c = await amqp.connect(mq.url);
    const ch = await c.createConfirmChannel();
    ch.sendToQueue(QUEUE, Buffer.from('{"not": "a row"'), { persistent: true });
    ch.sendToQueue(QUEUE, Buffer.from('["late", {"x": 1, "y": 1, "z": 1}]'), { persistent: true });
    await ch.waitForConfirms();
    expect(await feed.exited).toBe(0);
    const summary = JSON.parse(feed.stdout()) as { applied: number; deadLettered: number };
    expect(summary).toMatchObject({ applied: 1, deadLettered: 1 });
    const dead = await ch.get(`${QUEUE}.dead`, { noAck: true });
    expect(dead && dead.content.toString()).toBe('{"not": "a row"');
    expect(String(dead && dead.properties.headers?.['x-juba-reason'])).toMatch(/not JSON/);
    await c.close();
    expect((await rows(s1)).has('late')).toBe(true);
  }, 60_000);

  it('reconnects with backoff when RabbitMQ restarts, and goes on applying', async () => {
    const feed = runJuba(feedArgs(p1));
    await feed.waitForLog(/connected/, 30_000);
    await mq.stop();
    await feed.waitForLog(/reconnecting in/, 30_000);
    expect(feed.proc.exitCode).toBeNull();
    await mq.restart();
    await feed.waitForLog(/connected[\s\S]*connected/, 60_000);
    const sent = await runJubaToEnd(['source', '--count', '200', '--first-id', '100000', '--amqp', mq.url, '--queue', QUEUE]);
    expect(sent.code, sent.stderr).toBe(0);
    await eventually(async () => {
      const r = await rows(s1);
      return r.has('100000') && r.has('100199');
    }, 'the messages sent after the restart applied', 60_000);
    expect(await feed.stop('SIGTERM')).toBe(0);
    expect(JSON.parse(feed.stdout())).toMatchObject({ applied: 200, deadLettered: 0 });
  }, 180_000);

  it('juba bench reports a rate through the proxy', async () => {
    const r = await runJubaToEnd(['bench', '-t', 'nearest_neighbor', '-n', NAME, '-s', `127.0.0.1:${p1.port}`, '-d', '3', '-c', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(JSON.stringify(out)).toMatch(/"calls":[1-9]/);
  }, 60_000);
});
