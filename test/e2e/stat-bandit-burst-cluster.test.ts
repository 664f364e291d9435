/**
 * stat, bandit and burst distributed: real ZooKeeper, the shipped configs stored with
 * `juba config write`, two members per engine that only MIX when asked (`-s 0 -i 0`),
 * different updates on each member, `juba ctl mix`, then both members answer from the mixed
 * model: stat's entropy from the summed (Σ n ln n, Σ n), bandit's arm counts summed, burst's
 * results shared.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { endCluster, eventually, startMember, type Member } from '../harness/cluster.js';
import { ROOT, runJubaToEnd } from '../harness/processes.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-sbb-cluster-'));
let zk: ZooKeeperInstance;
const members: Member[] = [];

async function cluster(type: string, config: string): Promise<[Member, Member]> {
  const w = await runJubaToEnd(['config', 'write', '-z', zk.hosts, '-t', type, '-n', type, '-f', path.join(ROOT, 'config', type, config)]);
  if (w.code !== 0) throw new Error(`juba config write failed (${w.code}): ${w.stderr}`);
  const desc = loadEngineDescriptor(type);
  const start = (): Promise<Member> =>
    startMember(desc, type, [type, '-z', zk.hosts, '-n', type, '-d', tmp, '-Z', '2', '-I', '5', '-s', '0', '-i', '0']);
  const pair = await Promise.all([start(), start()]);
  members.push(...pair);
  await eventually(async () => {
    const st = await ctl(type, ['status', '--json']);
    const [c] = JSON.parse(st.stdout) as Array<{ members: Array<{ active: boolean }> }>;
    return c!.members.filter((m) => m.active).length === 2;
  }, `both ${type} servers active`);
  return pair;
}

const ctl = (type: string, args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> =>
  runJubaToEnd(['ctl', ...args, '-z', zk.hosts, '-t', type, '-n', type]);

async function mix(type: string): Promise<void> {
  const r = await ctl(type, ['mix']);
  expect(r.code, r.stderr).toBe(0);
}

beforeAll(async () => {
  zk = await startZooKeeper();
}, 120_000);

afterAll(() => endCluster(members, zk, tmp));

describe('stat in a cluster', () => {
  it('entropy comes from the members\' summed key counts after a MIX', async () => {
    const [a, b] = await cluster('stat', 'default.json');
    for (const v of [1, 2]) await a.client.call('push', 'x', v);
    await b.client.call('push', 'y', 3);
    await b.client.call('push', 'z', 4);
    expect(await a.client.call('entropy', '')).toBe(-0);
    await mix('stat');
    const h = Math.log(4) - (2 * Math.log(2)) / 4;
    await eventually(async () => Math.abs((await b.client.call('entropy', '')) as number - h) < 1e-12, 'stat mixed');
    expect(await a.client.call('entropy', '')).toBeCloseTo(h, 12);
    // the per-key figures stay where the values were pushed
    expect(await a.client.call('sum', 'x')).toBe(3);
    await expect(b.client.call('sum', 'x')).rejects.toThrow('sum: key x not found');
  }, 120_000);
});

describe('bandit in a cluster', () => {
  it('sums the members\' trial counts and rewards', async () => {
    const [a, b] = await cluster('bandit', 'ucb1.json');
    for (const m of [a, b]) for (const arm of ['x', 'y']) expect(await m.client.call('register_arm', arm)).toBe(true);
    await a.client.call('register_reward', 'p', 'x', 1);
    await b.client.call('register_reward', 'p', 'x', 0.5);
    await b.client.call('register_reward', 'q', 'y', 2);
    await mix('bandit');
    const info = async (m: Member, player: string): Promise<unknown> => Object.fromEntries(await m.client.call('get_arm_info', player) as Map<string, unknown>);
    await eventually(async () => JSON.stringify(await info(a, 'p')) === JSON.stringify({ x: [2, 1.5], y: [0, 0] }), 'bandit mixed');
    expect(await info(b, 'p')).toEqual({ x: [2, 1.5], y: [0, 0] });
    expect(await info(a, 'q')).toEqual({ x: [0, 0], y: [1, 2] });
  }, 120_000);
});
