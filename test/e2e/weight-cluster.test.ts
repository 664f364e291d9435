/**
 * The weight engine distributed, which jubaweight 1.1.1 cannot do (it crashes at its first MIX):
 * real ZooKeeper, the shipped config/weight/default.json stored with `juba config write`, two
 * `juba serve weight` members that only MIX when asked (`-s 0 -i 0`), different documents on
 * each, `juba ctl mix`, and then both members weigh a datum the same way.
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

const desc = loadEngineDescriptor('weight');
const NAME = 'words';
const CONFIG = path.join(ROOT, 'config/weight/default.json');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-weight-cluster-'));
const doc = (body: string): Datum => ({ stringValues: [['body', body]], numValues: [], binaryValues: [] });
type Features = Array<[string, number]>;
let zk: ZooKeeperInstance;

const startServer = (): Promise<Member> =>
  startMember(desc, NAME, ['weight', '-z', zk.hosts, '-n', NAME, '-d', tmp, '-Z', '2', '-I', '5', '-s', '0', '-i', '0']);

const ctl = (args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> =>
  runJubaToEnd(['ctl', ...args, '-z', zk.hosts, '-t', 'weight', '-n', NAME]);
const status = async (m: Member): Promise<Map<string, string>> => [...(await m.client.getStatus()).values()][0]!;
const weigh = (m: Member, d: Datum): Promise<Features> => m.client.call('calc_weight', d) as Promise<Features>;

let s1: Member;
let s2: Member;

beforeAll(async () => {
  zk = await startZooKeeper();
  await writeConfig(zk.hosts, 'weight', NAME, CONFIG);
  [s1, s2] = await Promise.all([startServer(), startServer()]);
  // MIX asks the members ZooKeeper lists as active, so wait until both are.
  await untilActive(zk.hosts, 'weight', NAME, 2);
}, 120_000);

afterAll(() => endCluster([s1, s2], zk, tmp));

describe('juba serve weight in a cluster', () => {
  const query = doc('abcdxyz');

  it('weighs with local statistics until a MIX, then both members agree', async () => {
    for (const body of ['abc', 'abd', 'bcd']) await s1.client.call('update', doc(body));
    for (const body of ['xyz', 'xya']) await s2.client.call('update', doc(body));
    const [before1, before2] = [await weigh(s1, query), await weigh(s2, query)];
    expect(before1).not.toEqual(before2);

    const mix = await ctl(['mix', '--json']);
    expect(mix.code, mix.stderr).toBe(0);
    await eventually(async () => (await status(s1)).get('master_document_count') === '5'
      && (await status(s2)).get('master_document_count') === '5', 'both members mixed');

    const after = await weigh(s1, query);
    expect(await weigh(s2, query)).toEqual(after);
    // Five documents now: 'a' is in three of them (ln 6/4), 'z' in one (ln 6/2).
    const w = new Map(after);
    expect(w.get('body$a@unigram#tf/idf')).toBeCloseTo(Math.log(6 / 4), 12);
    expect(w.get('body$z@unigram#tf/idf')).toBeCloseTo(Math.log(6 / 2), 12);
    // Rounds may also run when a member joins, so the version is compared, not counted.
    const [st1, st2] = [await status(s1), await status(s2)];
    expect(st1.get('diff_document_count')).toBe('0');
    expect(st2.get('diff_document_count')).toBe('0');
    expect(Number(st1.get('weight_manager_version'))).toBeGreaterThan(0);
    expect(st2.get('weight_manager_version')).toBe(st1.get('weight_manager_version'));
  });

  it('a second round carries on from the mixed master', async () => {
    const version = Number((await status(s1)).get('weight_manager_version'));
    await s2.client.call('update', doc('zzz'));
    expect(await weigh(s1, query)).not.toEqual(await weigh(s2, query));
    const mix = await ctl(['mix']);
    expect(mix.code, mix.stderr).toBe(0);
    await eventually(async () => (await status(s1)).get('master_document_count') === '6'
      && (await status(s2)).get('master_document_count') === '6', 'second MIX round');
    for (const m of [s1, s2]) expect(Number((await status(m)).get('weight_manager_version'))).toBeGreaterThan(version);
    expect(await weigh(s2, query)).toEqual(await weigh(s1, query));
    expect(new Map(await weigh(s1, query)).get('body$z@unigram#tf/idf')).toBeCloseTo(Math.log(7 / 3), 12);
  });
});
