/**
 * anomaly in a cluster (framework spec §3.4, §4; 1.1.1's anomaly_serv): real ZooKeeper, the
 * shipped config/anomaly/light_lof.json, two `juba serve anomaly` members that only MIX when
 * asked. add's ids come from the cluster's id generator (1, 2, 3, … whichever member is asked)
 * and each point is written on its 2 CHT owners, i.e. on both members; add_bulk's ids come from
 * the same generator and the points stay on the member asked. A proxy routes as 1.1.1's does.
 * A second cluster runs lof (config/anomaly/default.json: over inverted_index_euclid) through
 * the same ZooKeeper and proxy: update and clear_row reach both owners, MIX spreads the rest.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Datum } from '../../src/engine/datum.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { ServiceClient } from '../../src/client/service-client.js';
import { endCluster, eventually, startMember, untilActive, writeConfig, type Member } from '../harness/cluster.js';
import { ROOT, runJubaToEnd } from '../harness/processes.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const desc = loadEngineDescriptor('anomaly');
const NAME = 'sensors';
const CONFIG = path.join(ROOT, 'config/anomaly/light_lof.json');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-anomaly-cluster-'));
const point = (x: number, y: number): Datum => ({ stringValues: [], numValues: [['x', x], ['y', y]], binaryValues: [] });
let zk: ZooKeeperInstance;

const startServer = (name = NAME): Promise<Member> =>
  startMember(desc, name, ['anomaly', '-z', zk.hosts, '-n', name, '-d', tmp, '-Z', '2', '-I', '5', '-s', '0', '-i', '0']);
const ctl = (args: string[], name = NAME): Promise<{ code: number | string; stdout: string; stderr: string }> =>
  runJubaToEnd(['ctl', ...args, '-z', zk.hosts, '-t', 'anomaly', '-n', name]);
const rows = async (m: Member): Promise<string[]> => ((await m.client.call('get_all_rows')) as string[]).slice().sort((a, b) => Number(a) - Number(b));
const status = async (m: Member): Promise<Map<string, string>> => [...(await m.client.getStatus()).values()][0]!;

let s1: Member;
let s2: Member;
let proxy: Member;

beforeAll(async () => {
  zk = await startZooKeeper();
  await writeConfig(zk.hosts, 'anomaly', NAME, CONFIG);
  [s1, s2] = await Promise.all([startServer(), startServer()]);
  await untilActive(zk.hosts, 'anomaly', NAME, 2);
  proxy = await startMember(desc, NAME, ['anomaly', '--proxy', '-z', zk.hosts]);
  await eventually(async () => (await proxy.client.getStatus()).size === 2, 'both servers behind the proxy');
}, 120_000);

afterAll(() => endCluster([s1, s2, proxy], zk, tmp));

describe('juba serve anomaly in a cluster', () => {
  it('numbers add ids cluster-wide from 1 and stores each point on both CHT owners', async () => {
    const ids: string[] = [];
    const pts = [[0, 0], [1, 0], [0, 1], [1, 1], [5, 5], [0.5, 0.5]] as const;
    for (let i = 0; i < pts.length; i++) {
      const m = i % 2 === 0 ? s1 : s2;
      const [id, score] = (await m.client.call('add', point(pts[i]![0], pts[i]![1]))) as [string, number];
      ids.push(id);
      expect(typeof score).toBe('number');
    }
    expect(ids).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(await rows(s1)).toEqual(ids);
    expect(await rows(s2)).toEqual(ids);
    // Every add wrote on both members: each counted six local writes.
    expect((await status(s1)).get('update_count')).toBe('6');
    expect((await status(s2)).get('update_count')).toBe('6');
  });

  it('add_bulk draws from the same generator and keeps its points on the member asked', async () => {
    const stored = (await s2.client.call('add_bulk', [point(2, 2), point(2, 3)])) as string[];
    expect(stored).toEqual(['7', '8']);
    expect(await rows(s2)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(await rows(s1)).toEqual(['1', '2', '3', '4', '5', '6']);
    const [id] = (await s1.client.call('add', point(3, 3))) as [string, number];
    expect(id).toBe('9');
  });

  it('through the proxy: add goes to one member, overwrite to the id\'s CHT owners (both), light_lof refuses update', async () => {
    const [id, score] = (await proxy.client.call('add', point(0.1, 0.1))) as [string, number];
    expect(id).toBe('10');
    expect(typeof score).toBe('number');
    expect(typeof (await proxy.client.call('overwrite', id, point(0.2, 0.1)))).toBe('number');
    expect(await rows(s1)).toContain('10');
    expect(await rows(s2)).toContain('10');
    await expect(proxy.client.call('update', id, point(0.2, 0.1))).rejects.toThrow(/unsupported method \(update_row\)/);
  });

  it('after a MIX both members hold every point and score alike', async () => {
    const mix = await ctl(['mix', '--json']);
    expect(mix.code, mix.stderr).toBe(0);
    await eventually(async () => (await rows(s1)).length === 10, 'the bulk points reached s1');
    expect(await rows(s1)).toEqual(await rows(s2));
    const q = point(0.2, 0.3);
    expect(await s1.client.call('calc_score', q)).toEqual(await s2.client.call('calc_score', q));
  });
});

describe('juba serve anomaly lof in a cluster', () => {
  const LOF = 'sensors-lof';
  let l1: Member;
  let l2: Member;
  let viaProxy: ServiceClient;

  beforeAll(async () => {
    const cfg = path.join(ROOT, 'config/anomaly/default.json');
    const w = await runJubaToEnd(['config', 'write', '-z', zk.hosts, '-t', 'anomaly', '-n', LOF, '-f', cfg]);
    if (w.code !== 0) throw new Error(`juba config write failed (${w.code}): ${w.stderr}`);
    [l1, l2] = await Promise.all([startServer(LOF), startServer(LOF)]);
    await eventually(async () => {
      const st = await ctl(['status', '--json'], LOF);
      const [c] = JSON.parse(st.stdout) as Array<{ members: Array<{ ipPort: string; active: boolean }> }>;
      return c!.members.filter((m) => m.active).length === 2;
    }, 'both lof servers active');
    viaProxy = new ServiceClient(desc, { host: '127.0.0.1', port: proxy.port, name: LOF });
    await eventually(async () => (await viaProxy.getStatus()).size === 2, 'both lof servers behind the proxy');
  }, 120_000);

  afterAll(() => {
    viaProxy?.close();
    l1?.client.close();
    l2?.client.close();
  });

  it('add writes each point on both owners with update; update and clear_row through the proxy reach both', async () => {
    // No all-zero point: the inverted index lists only rows with a norm (as 1.1.1's does).
    const pts = [[0.1, 0], [1, 0], [0, 1], [1, 1], [5, 5], [0.5, 0.5], [0.2, 0.8]] as const;
    const ids: string[] = [];
    for (let i = 0; i < pts.length; i++) {
      const [id, score] = (await (i % 2 === 0 ? l1 : l2).client.call('add', point(pts[i]![0], pts[i]![1]))) as [string, number];
      ids.push(id);
      expect(typeof score).toBe('number');
    }
    expect(ids).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(await rows(l1)).toEqual(ids);
    expect(await rows(l2)).toEqual(ids);
    expect((await status(l1)).get('storage')).toBe('lof');
    expect(typeof (await viaProxy.call('update', '5', point(4, 4)))).toBe('number');
    expect(await viaProxy.call('clear_row', '7')).toBe(true);
    expect(await rows(l1)).toEqual(ids.slice(0, 6));
    expect(await rows(l2)).toEqual(ids.slice(0, 6));
    const q = point(0.4, 0.6);
    expect(await l1.client.call('calc_score', q)).toEqual(await l2.client.call('calc_score', q));
  });

  it('add_bulk stays on the member asked until a MIX; then both agree on rows, tables and scores', async () => {
    expect(await l2.client.call('add_bulk', [point(2, 2), point(2, 3), point(0.1, 0.3)])).toEqual(['8', '9', '10']);
    expect(await rows(l1)).toEqual(['1', '2', '3', '4', '5', '6']);
    const mix = await ctl(['mix', '--json'], LOF);
    expect(mix.code, mix.stderr).toBe(0);
    await eventually(async () => (await rows(l1)).length === 9, 'the bulk points reached l1');
    expect(await rows(l1)).toEqual(await rows(l2));
    for (const m of [l1, l2]) {
      const st = await status(m);
      expect(st.get('num_id_master')).toBe('9');
      expect(st.get('num_id_diff')).toBe('0');
    }
    for (const q of [point(0.4, 0.6), point(3, 2), point(10, -1)]) {
      expect(await l1.client.call('calc_score', q)).toEqual(await l2.client.call('calc_score', q));
    }
  });
});
