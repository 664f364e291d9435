/**
 * The distributed hands-on with real ZooKeeper and real `juba` processes on loopback:
 * config write, 2 servers, 2 proxies, set_row through the proxies, MIX (do_mix and
 * count-triggered), ctl status, a server killed under load, ZooKeeper restarted, a newcomer
 * catching up.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src/client/service-client.js';
import type { Datum } from '../../src/engine/datum.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { freePort, killStarted, runJuba, runJubaToEnd, type JubaProcess } from '../harness/processes.js';
import { eventually, writeHandsOnConfig } from '../harness/cluster.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const desc = loadEngineDescriptor('nearest_neighbor');
const NAME = 'sensor_nn';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-cluster-'));
const num = (o: Record<string, number>): Datum => ({ stringValues: [], numValues: Object.entries(o), binaryValues: [] });
let zk: ZooKeeperInstance;

interface Member { p: JubaProcess; port: number; ipPort: string; client: ServiceClient }

async function startServer(extra: string[] = []): Promise<Member> {
  const port = await freePort();
  const p = runJuba(['serve', 'nearest_neighbor', '-z', zk.hosts, '-n', NAME, '-p', String(port), '-b', '127.0.0.1',
    '-d', tmp, '-Z', '2', '-I', '5', '-s', '0', '-i', '20', ...extra]);
  await p.waitForLog(/juba server started/);
  return { p, port, ipPort: `127.0.0.1_${port}`, client: new ServiceClient(desc, { host: '127.0.0.1', port, name: NAME }) };
}

async function startProxy(): Promise<Member> {
  const port = await freePort();
  const p = runJuba(['serve', 'nearest_neighbor', '--proxy', '-z', zk.hosts, '-p', String(port), '-b', '127.0.0.1', '-Z', '2', '-I', '5']);
  await p.waitForLog(/juba proxy started/);
  return { p, port, ipPort: `127.0.0.1_${port}`, client: new ServiceClient(desc, { host: '127.0.0.1', port, name: NAME }) };
}

const rows = async (m: Member): Promise<string[]> => ((await m.client.call('get_all_rows')) as string[]).sort();
const ctl = (args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> =>
  runJubaToEnd(['ctl', ...args, '-z', zk.hosts, '-t', 'nearest_neighbor']);

let s1: Member;
let s2: Member;
let p1: Member;
let p2: Member;

beforeAll(async () => {
  zk = await startZooKeeper();
  await writeHandsOnConfig(zk.hosts, tmp, [NAME]);
  [s1, s2] = await Promise.all([startServer(), startServer()]);
  [p1, p2] = await Promise.all([startProxy(), startProxy()]);
}, 120_000);

afterAll(async () => {
  for (const m of [s1, s2, p1, p2]) m?.client.close();
  killStarted();
  await zk?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the distributed hands-on', () => {
  it('routes set_row by CHT so servers differ until do_mix, then agree', async () => {
    await eventually(async () => (await p1.client.getStatus()).size === 2, 'both servers active');
    for (let i = 0; i < 8; i++) {
      const via = i % 2 === 0 ? p1 : p2;
      expect(await via.client.call('set_row', `r${i}`, num({ x: i, y: 8 - i, z: 1 }))).toBe(true);
    }
    const [a, b] = [await rows(s1), await rows(s2)];
    expect(a.length + b.length).toBe(8); // cht(1): each row on exactly one server
    expect(a).not.toEqual(b);

    const mix = await ctl(['mix', '-n', NAME, '--json']);
    expect(mix.code, mix.stderr).toBe(0);
    expect(await rows(s1)).toHaveLength(8);
    expect(await rows(s2)).toEqual(await rows(s1));
    const q1 = await s1.client.call('similar_row_from_id', 'r3', 4);
    expect(await s2.client.call('similar_row_from_id', 'r3', 4)).toEqual(q1);
    expect(await p2.client.call('similar_row_from_id', 'r3', 4)).toEqual(q1);
  });

  it('mixes by itself once interval_count updates arrive', async () => {
    for (let i = 8; i < 60; i++) await p1.client.call('set_row', `r${i}`, num({ x: i % 7, y: i % 5, z: 2 }));
    // Each server stored only its CHT share (~26 of the 52 new rows); interval_count 20 makes
    // them mix on their own, so each comes to know well over its share without any do_mix.
    // Updates after the last trigger stay local until the next round.
    await eventually(async () => (await rows(s1)).length >= 40 && (await rows(s2)).length >= 40, 'count-triggered MIX');
    const mix = await ctl(['mix', '-n', NAME]);
    expect(mix.code, mix.stderr).toBe(0);
    expect(await rows(s1)).toHaveLength(60);
  });

  it('lists proxies and members with their health in ctl status', async () => {
    const st = await ctl(['status', '-n', NAME, '--json']);
    expect(st.code, st.stderr).toBe(0);
    const [c] = JSON.parse(st.stdout) as Array<{ proxies: string[]; members: Array<{ ipPort: string; active: boolean; rows: number; reachable: boolean }> }>;
    expect(c!.proxies.sort()).toEqual([p1.ipPort, p2.ipPort].sort());
    expect(c!.members.map((m) => m.ipPort).sort()).toEqual([s1.ipPort, s2.ipPort].sort());
    for (const m of c!.members) {
      expect(m.reachable).toBe(true);
      expect(m.active).toBe(true);
      expect(m.rows).toBe(60);
    }
    const text = await ctl(['status', '-n', NAME]);
    expect(text.stdout).toContain('active jubaproxy members:');
    expect(text.stdout).toContain(`active ${NAME} members:`);
  });

  it('saves and loads every member with ctl save/load', async () => {
    const saved = await ctl(['save', '-n', NAME, '-i', 'snap', '--json']);
    expect(saved.code, saved.stderr).toBe(0);
    const results = JSON.parse(saved.stdout) as Array<{ ipPort: string; ok: boolean; detail: string }>;
    expect(results.map((r) => r.ipPort).sort()).toEqual([s1.ipPort, s2.ipPort].sort());
    for (const r of results) expect(fs.existsSync(r.detail), r.detail).toBe(true);
    await s1.client.call('clear');
    expect(await rows(s1)).toEqual([]);
    const loaded = await ctl(['load', '-n', NAME, '-i', 'snap']);
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(loaded.stdout).toContain(`sending load to ${s1.ipPort}...ok.`);
    expect(await rows(s1)).toHaveLength(60);
    const missing = await ctl(['load', '-n', NAME, '-i', 'never_saved']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('cannot open input file');
  });

  it('lets a newcomer catch up through get_model', async () => {
    const s3 = await startServer();
    try {
      await eventually(async () => (await rows(s3)).length === 60, 'the newcomer to hold every row');
      const st = await ctl(['status', '-n', NAME, '--json']);
      const [c] = JSON.parse(st.stdout) as Array<{ members: Array<{ ipPort: string; active: boolean }> }>;
      expect(c!.members.find((m) => m.ipPort === s3.ipPort)?.active).toBe(true);
    } finally {
      s3.client.close();
      expect(await s3.p.stop('SIGTERM')).toBe(0);
    }
    // A stopped server leaves nodes/ at once (its session is closed, not left to expire).
    const st = await ctl(['status', '-n', NAME, '--json']);
    expect((JSON.parse(st.stdout) as Array<{ members: unknown[] }>)[0]!.members).toHaveLength(2);
  });

  it('survives ZooKeeper going away and coming back, keeping every row', async () => {
    await zk.stop();
    // Both servers notice ZooKeeper is gone (waited for, however slow the machine is)...
    await eventually(async () => {
      const seen = await Promise.all([s1, s2].map(async (s) => [...(await s.client.getStatus()).values()][0]!.get('connected_zookeeper')));
      return seen.every((z) => z === '');
    }, 'both servers to lose their ZooKeeper connection', 40_000);
    // ...and the outage lasts until each has given its 2 s session up: the scenario under test
    // is every session ending and being renewed.
    await Promise.all([s1, s2].map((s) => s.p.waitForLog(/the session is lost/, 40_000)));
    await zk.restart();
    await eventually(async () => {
      const st = await ctl(['status', '-n', NAME, '--json']);
      const [c] = JSON.parse(st.stdout) as Array<{ proxies: string[]; members: Array<{ active: boolean }> }>;
      return c!.proxies.length === 2 && c!.members.length === 2;
    }, 'servers and proxies to register again', 40_000);
    expect(await rows(s1)).toHaveLength(60);
    expect(await rows(s2)).toHaveLength(60);
    await eventually(async () => (await p1.client.call('get_all_rows') as string[]).length === 60, 'the proxy to route again', 30_000);
  });

  it('stops routing to a server killed with -9 once its session ends', { timeout: 90_000 }, async () => {
    const victim = s2;
    let failures = 0;
    let ok = 0;
    let stopLoad = false;
    // Calls through the proxy before, during and after the kill (at most 5000 of them).
    const load = (async () => {
      for (let i = 0; i < 5000 && !stopLoad; i++) {
        try {
          await p1.client.call('similar_row_from_id', 'r1', 3);
          ok++;
        } catch {
          failures++;
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    await eventually(() => ok >= 20, '20 calls answered before the kill');
    process.kill(victim.p.pid, 'SIGKILL');
    // After the session timeout the proxy only knows the survivor: every later call answers.
    await eventually(async () => (await p1.client.getStatus()).size === 1, 'the dead server to leave actives', 45_000);
    stopLoad = true;
    await load;
    expect(ok).toBeGreaterThanOrEqual(20);
    expect(ok + failures).toBeGreaterThan(20);
    for (let i = 0; i < 50; i++) {
      expect(await p1.client.call('similar_row_from_id', 'r1', 3)).toHaveLength(3);
    }
  });
});
