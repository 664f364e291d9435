/**
 * `juba feed --durable` never repeats a non-idempotent update when no server dies: a classifier
 * `train` stream fed with --durable into one 3-server cluster and without it into another gives
 * every server the same `get_labels` counts after a final MIX.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src/client/service-client.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { freePort, killStarted, runJuba, runJubaToEnd } from '../harness/processes.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const desc = loadEngineDescriptor('classifier');
const N = 3000;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-durable-train-'));
let zk: ZooKeeperInstance;
const clients: Record<string, ServiceClient[]> = {};
const ports: number[] = [];

async function cluster(name: string): Promise<void> {
  const w = await runJubaToEnd(['config', 'write', '-z', zk.hosts, '-t', 'classifier', '-n', name, '-f', 'config/classifier/arow.json']);
  if (w.code !== 0) throw new Error(w.stderr);
  clients[name] = [];
  await Promise.all([0, 1, 2].map(async () => {
    const port = await freePort();
    ports.push(port);
    const p = runJuba(['serve', 'classifier', '-z', zk.hosts, '-n', name, '-d', tmp, '-s', '1', '-i', '0', '-p', String(port), '-b', '127.0.0.1']);
    await p.waitForLog(/juba server started/, 30_000);
    clients[name]!.push(new ServiceClient(desc, { host: '127.0.0.1', port, name, timeoutMs: 10_000 }));
  }));
}

async function labelsAfterMix(name: string): Promise<string[]> {
  const mix = await runJubaToEnd(['ctl', 'mix', '-z', zk.hosts, '-t', 'classifier', '-n', name]);
  expect(mix.code, mix.stderr).toBe(0);
  return Promise.all(clients[name]!.map(async (c) => {
    const m = (await c.call('get_labels')) as Map<string, unknown>;
    return JSON.stringify([...m.entries()].map(([k, v]) => [k, String(v)]).sort());
  }));
}

beforeAll(async () => {
  zk = await startZooKeeper();
  await Promise.all([cluster('plain'), cluster('durable')]);
  const rows = Array.from({ length: N }, (_, i) => JSON.stringify([`label${i % 7}`, { x: i % 13, text: `w${i % 5}` }]));
  fs.writeFileSync(path.join(tmp, 'train.jsonl'), `${rows.join('\n')}\n`);
}, 120_000);

afterAll(async () => {
  for (const cs of Object.values(clients)) for (const c of cs) c.close();
  killStarted();
  await zk?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('juba feed --durable: no duplicates', () => {
  it('a train stream gives every server the same label counts as a plain feed', async () => {
    const file = path.join(tmp, 'train.jsonl');
    const plain = await runJubaToEnd(['feed', '-f', file, '-t', 'classifier', '-z', zk.hosts, '-n', 'plain', '--json']);
    expect(plain.code, plain.stderr).toBe(0);
    const durable = await runJubaToEnd(['feed', '-f', file, '-t', 'classifier', '-z', zk.hosts, '-n', 'durable', '--durable', '--json']);
    expect(durable.code, durable.stderr).toBe(0);
    expect(JSON.parse(durable.stdout)).toMatchObject({ applied: N, merged: N, resent: 0, durable: 'merge' });
    const [a, b] = [await labelsAfterMix('plain'), await labelsAfterMix('durable')];
    expect(new Set(a).size).toBe(1);
    expect(b).toEqual(a);
    expect(a[0]).toContain(`"label0","${Math.ceil(N / 7)}"`);
  }, 120_000);

  it('with a mixer that never runs (-s 0 -i 0) the feed says it waits for a MIX that is not coming, and --idle-exit ends it', async () => {
    const w = await runJubaToEnd(['config', 'write', '-z', zk.hosts, '-t', 'classifier', '-n', 'nomix', '-f', 'config/classifier/arow.json']);
    expect(w.code, w.stderr).toBe(0);
    const port = await freePort();
    const p = runJuba(['serve', 'classifier', '-z', zk.hosts, '-n', 'nomix', '-d', tmp, '-s', '0', '-i', '0', '-p', String(port), '-b', '127.0.0.1']);
    await p.waitForLog(/juba server started/, 30_000);
    const r = await runJubaToEnd(['feed', '-f', path.join(tmp, 'train.jsonl'), '-t', 'classifier', '-z', zk.hosts, '-n', 'nomix',
      '--durable', '--await-merge', '20', '--in-flight', '1', '--idle-exit', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ merged: 0, awaitMerge: 20 });
    expect(JSON.parse(r.stdout).notApplied).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/waited for a MIX: --await-merge full \(20\): waiting for a MIX that is not coming \(the servers run no interval MIX/);
  }, 60_000);

  it('with -s, --durable says once that it acknowledges after apply', async () => {
    const r = await runJubaToEnd(['feed', '-f', path.join(tmp, 'train.jsonl'), '-t', 'classifier', '-s', `127.0.0.1:${ports[0]}`, '-n', 'durable', '--durable', '--count', '10', '--json']);
    expect(r.stderr.match(/acknowledged after apply/g)?.length).toBe(1);
  }, 60_000);
});
