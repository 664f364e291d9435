/**
 * Clustering distributed (engine spec §13, mix-payloads spec "clustering"): real ZooKeeper, two
 * `juba serve clustering` members that only MIX when asked (`-s 0 -i 0`), each pushed one blob
 * of points; after `juba ctl mix` each member holds the other's points as common points and
 * re-clusters over its own and the other's, so both find both blobs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Datum } from '../../src/engine/datum.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { endCluster, eventually, startMember, untilActive, writeConfig, type Member } from '../harness/cluster.js';
import { ROOT, runJubaToEnd } from '../harness/processes.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const desc = loadEngineDescriptor('clustering');
const NAME = 'points';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-clustering-cluster-'));
const xy = (x: number, y: number): Datum => ({ stringValues: [], numValues: [['x', x], ['y', y]], binaryValues: [] });
let zk: ZooKeeperInstance;

const startServer = (): Promise<Member> =>
  startMember(desc, NAME, ['clustering', '-z', zk.hosts, '-n', NAME, '-d', tmp, '-Z', '2', '-I', '5', '-s', '0', '-i', '0']);
const ctl = (args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> =>
  runJubaToEnd(['ctl', ...args, '-z', zk.hosts, '-t', 'clustering', '-n', NAME]);

/** A blob of n points around (cx, cy), ids prefixed. */
function blob(prefix: string, n: number, cx: number, cy: number): Array<[string, Datum]> {
  return Array.from({ length: n }, (_, i) => [`${prefix}${i}`, xy(cx + ((i * 7) % 5) / 10, cy + ((i * 3) % 5) / 10)]);
}

let s1: Member;
let s2: Member;

beforeAll(async () => {
  zk = await startZooKeeper();
  const base = JSON.parse(fs.readFileSync(path.join(ROOT, 'config/clustering/kmeans.json'), 'utf8')) as Record<string, unknown>;
  const config = path.join(tmp, 'kmeans2.json');
  fs.writeFileSync(config, JSON.stringify({ ...base, parameter: { k: 2, seed: 0 }, compressor_parameter: { bucket_size: 1000 } }));
  await writeConfig(zk.hosts, 'clustering', NAME, config);
  [s1, s2] = await Promise.all([startServer(), startServer()]);
  await untilActive(zk.hosts, 'clustering', NAME, 2);
}, 120_000);

afterAll(() => endCluster([s1, s2], zk, tmp));

describe('juba serve clustering in a cluster', () => {
  it('after a MIX each member clusters its own points and the other\'s', async () => {
    expect(await s1.client.call('push', blob('a', 20, 0, 0))).toBe(true);
    expect(await s2.client.call('push', blob('b', 30, 10, 10))).toBe(true);
    const r1 = Number(await s1.client.call('get_revision'));
    const r2 = Number(await s2.client.call('get_revision'));

    const mix = await ctl(['mix', '--json']);
    expect(mix.code, mix.stderr).toBe(0);
    await eventually(async () => Number(await s1.client.call('get_revision')) > r1
      && Number(await s2.client.call('get_revision')) > r2, 'both members re-clustered after the MIX');

    const ids = [...blob('a', 20, 0, 0), ...blob('b', 30, 10, 10)].map(([id]) => id).sort();
    for (const m of [s1, s2]) {
      const clusters = await m.client.call('get_core_members_light') as Array<Array<[number, string]>>;
      expect(clusters.flat().map(([, id]) => id).sort()).toEqual(ids);
      // the blobs are the clusters
      expect(clusters.map((c) => c.map(([, id]) => id[0]).filter((p, i, a) => a.indexOf(p) === i))).toEqual(
        expect.arrayContaining([['a'], ['b']]),
      );
      const centers = await m.client.call('get_k_center') as Datum[];
      const rounded = centers.map((d) => d.numValues.map(([, v]) => Math.round(v))).sort((p, q) => p[0]! - q[0]!);
      expect(rounded).toEqual([[0, 0], [10, 10]]);
    }
  });
});
