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
import { chtEntryNames, findOnRing } from '../../src/cluster/cht.js';
import { BurstEngine, burstFactory } from '../../src/engine/burst/service.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { endCluster, eventually, startMember, untilActive, writeConfig, type Member } from '../harness/cluster.js';
import { ROOT, runJubaToEnd } from '../harness/processes.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-sbb-cluster-'));
let zk: ZooKeeperInstance;
const members: Member[] = [];

async function cluster(type: string, config: string, size = 2): Promise<Member[]> {
  await writeConfig(zk.hosts, type, type, path.join(ROOT, 'config', type, config));
  const desc = loadEngineDescriptor(type);
  const start = (): Promise<Member> =>
    startMember(desc, type, [type, '-z', zk.hosts, '-n', type, '-d', tmp, '-Z', '2', '-I', '5', '-s', '0', '-i', '0']);
  const started = await Promise.all(Array.from({ length: size }, start));
  members.push(...started);
  await untilActive(zk.hosts, type, type, size);
  return started;
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
  let statMembers: Member[] = [];
  it('entropy comes from the members\' summed key counts after a MIX', async () => {
    statMembers = await cluster('stat', 'default.json');
    const [a, b] = statMembers as [Member, Member];
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

  it('behind a proxy, push and sum of a key go to the one member the ring assigns it (cht(1))', async () => {
    const proxy = await startMember(loadEngineDescriptor('stat'), 'stat', ['stat', '--proxy', '-z', zk.hosts, '-Z', '2', '-I', '5']);
    members.push(proxy);
    await eventually(async () => (await proxy.client.getStatus()).size === 2, 'both stat servers behind the proxy');
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
    for (const k of keys) for (const v of [1, 2, 4]) expect(await proxy.client.call('push', k, v)).toBe(true);
    const [a, b] = statMembers as [Member, Member];
    const holds = async (m: Member, k: string): Promise<boolean> => m.client.call('sum', k).then(() => true, () => false);
    let onA = 0;
    for (const k of keys) {
      expect(await proxy.client.call('sum', k), k).toBe(7);
      expect(await proxy.client.call('moment', k, 3, 0), k).toBeCloseTo(73 / 3, 12);
      const [ha, hb] = [await holds(a, k), await holds(b, k)];
      expect(ha !== hb, `${k} on exactly one member`).toBe(true);
      if (ha) onA++;
    }
    expect(onA).toBeGreaterThan(0);
    expect(onA).toBeLessThan(keys.length);
  }, 120_000);
});

describe('bandit in a cluster', () => {
  it('sums the members\' trial counts and rewards', async () => {
    const [a, b] = (await cluster('bandit', 'ucb1.json')) as [Member, Member];
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

describe('burst in a cluster', () => {
  it('each keyword is processed by the two members the ring assigns it; MIX gives every member every result', async () => {
    const ms = await cluster('burst', 'default.json', 3);
    const keywords = ['storm', 'rain', 'sky', 'tea', 'cat', 'road', 'lamp', 'map'];
    // What the proxy's broadcasts do: every call on every member.
    const all = async (method: string, ...args: unknown[]): Promise<unknown[]> => Promise.all(ms.map((m) => m.client.call(method, ...args)));
    const local: BurstEngine = burstFactory.create(JSON.parse(fs.readFileSync(path.join(ROOT, 'config/burst/default.json'), 'utf8')), { owner: 'x_1' });
    for (const k of keywords) {
      expect(await all('add_keyword', [k, 2, 1])).toEqual([true, true, true]);
      local.add_keyword([k, 2, 1]);
    }
    const words = ['storm', 'rain', 'sky', 'tea', 'cat', 'road', 'lamp', 'map', 'city'];
    const docs = (from: number): Array<[number, string]> => Array.from({ length: 40 }, (_, i) => [from + i * 1.3, `${words[i % 9]} ${words[(i * 7) % 9]} ${i > 25 ? 'storm' : ''}`]);
    const processed = async (m: Member): Promise<string[]> => {
      const st = [...(await m.client.getStatus()).values()][0]!;
      return (st.get('processed_keywords') ?? '').split(',').filter((k) => k !== '');
    };
    for (const round of [0, 1]) {
      const batch = docs(round * 60);
      await all('add_documents', batch);
      local.add_documents(batch);
      await mix('burst');
      await eventually(async () => (await Promise.all(ms.map(async (m) => JSON.stringify(await m.client.call('get_result', 'map'))))).every((r) => r === JSON.stringify(local.get_result('map'))), `round ${round} mixed`);
    }
    // A member whose list of members was incomplete when a keyword was added (they start
    // together) took it as its own; the rehash after the first MIX corrects that, and, as in
    // 1.1.1, it keeps counting a keyword it no longer owns for 5 more MIXes.
    for (let i = 0; i < 5; i++) await mix('burst');
    // Every member counts exactly the keywords the ring gives it (two members per keyword).
    const sets = await Promise.all(ms.map(processed));
    const ring = ms.flatMap((m) => chtEntryNames(m.ipPort).map((e) => [e, m.ipPort] as const)).sort((x, y) => (x[0] < y[0] ? -1 : 1));
    const ownerOf = new Map(ring);
    ms.forEach((m, i) => {
      const expected = keywords.filter((k) => findOnRing(ring.map(([e]) => e), (e) => ownerOf.get(e), k, 2).includes(m.ipPort));
      expect([...sets[i]!].sort(), m.ipPort).toEqual(expected.sort());
    });
    for (const k of keywords) expect(sets.filter((x) => x.includes(k)).length, k).toBe(2);
    // ... yet every member answers every keyword as one engine that saw everything.
    for (const m of ms) {
      for (const k of keywords) expect(await m.client.call('get_result', k), k).toEqual(local.get_result(k));
    }
  }, 180_000);
});
