/**
 * A juba classifier cluster run as an operator would, with real ZooKeeper and processes, and no
 * engine named after the config write: two AROW servers (MIX only on demand) behind a proxy,
 * fed from JSON lines with `juba feed -n` (train by the engine's preset), mixed with
 * `juba ctl mix -n`, then both servers answer classify with the same scores. `ctl status`,
 * `top --once`, `call` and `bench` learn the type from ZooKeeper; a mixer the model cannot
 * use is refused at start; ambiguous and unknown names get errors that say what to do.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Datum } from '../../src/engine/datum.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { endCluster, eventually, startMember, writeHandsOnConfig, type Member } from '../harness/cluster.js';
import { runJubaToEnd } from '../harness/processes.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const NAME = 'shogun';
const desc = loadEngineDescriptor('classifier');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-classifier-cluster-'));
const CONFIG = {
  method: 'AROW',
  parameter: { regularization_weight: 1.0 },
  converter: {
    string_rules: [{ key: '*', type: 'space', sample_weight: 'bin', global_weight: 'bin' }],
    num_rules: [{ key: '*', type: 'num' }],
  },
};
const WORDS: Record<string, string[]> = {
  sports: ['goal', 'match', 'team', 'coach', 'league'],
  politics: ['vote', 'law', 'senate', 'tax', 'party'],
  science: ['atom', 'cell', 'gene', 'lab', 'theory'],
};
const doc = (s: string): Datum => ({ stringValues: [['text', s]], numValues: [], binaryValues: [] });

let zk: ZooKeeperInstance;
let s1: Member;
let s2: Member;
let proxy: Member;

const start = (args: string[]): Promise<Member> => startMember(desc, NAME, [...args, '-Z', '2', '-I', '5']);

const juba = (...args: string[]) => runJubaToEnd([...args, '-z', zk.hosts]);

beforeAll(async () => {
  zk = await startZooKeeper();
  const cfg = path.join(tmp, 'config.json');
  fs.writeFileSync(cfg, JSON.stringify(CONFIG));
  const w = await juba('config', 'write', '-t', 'classifier', '-n', NAME, '-f', cfg);
  expect(w.code, w.stderr).toBe(0);
  const server = ['classifier', '-z', zk.hosts, '-n', NAME, '-d', tmp, '-s', '0', '-i', '0'];
  [s1, s2] = await Promise.all([start(server), start(server)]);
  proxy = await start(['classifier', '--proxy', '-z', zk.hosts]);
  await eventually(async () => (await proxy.client.getStatus()).size === 2, 'both servers behind the proxy');
}, 120_000);

afterAll(() => endCluster([s1, s2, proxy], zk, tmp));

describe('a classifier cluster, operated by name only', () => {
  it('juba feed -n trains through the proxy (the engine\'s preset: [label, datum] → train)', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 60; i++) {
      const label = Object.keys(WORDS)[i % 3]!;
      const ws = WORDS[label]!;
      lines.push(JSON.stringify([label, { text: `${ws[i % 5]} ${ws[(i + 2) % 5]} news` }]));
    }
    const file = path.join(tmp, 'train.jsonl');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await juba('feed', '-f', file, '-n', NAME, '--json');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { applied: number; method: string; deadLettered: number };
    expect(summary).toMatchObject({ applied: 60, method: 'train', deadLettered: 0 });
    // random routing: the examples are split between the servers before any MIX
    const counts = await Promise.all([s1, s2].map(async (s) =>
      [...((await s.client.call('get_labels')) as Map<string, number>).values()].reduce((a, b) => a + b, 0)));
    expect(counts[0]! + counts[1]!).toBe(60);
  }, 60_000);

  it('after juba ctl mix -n both servers classify with the same scores', async () => {
    const mix = await juba('ctl', 'mix', '-n', NAME, '--json');
    expect(mix.code, mix.stderr).toBe(0);
    const queries = [doc('goal team news'), doc('senate tax'), doc('gene lab theory')];
    const [a, b] = (await Promise.all([s1, s2].map((s) => s.client.call('classify', queries)))) as Array<Array<Array<[string, number]>>>;
    const sorted = (r: Array<Array<[string, number]>>) => r.map((l) => [...l].sort((x, y) => (x[0] < y[0] ? -1 : 1)));
    expect(sorted(a!)).toEqual(sorted(b!));
    const best = a!.map((l) => l.reduce((x, y) => (y[1] > x[1] ? y : x))[0]);
    expect(best).toEqual(['sports', 'politics', 'science']);
    expect(await s1.client.call('get_labels')).toEqual(await s2.client.call('get_labels'));
    expect([...((await s1.client.call('get_labels')) as Map<string, number>).values()].reduce((x, y) => x + y, 0)).toBe(60);
  }, 60_000);

  it('ctl status, top --once, call and bench find the type in ZooKeeper', async () => {
    const st = await juba('ctl', 'status', '-n', NAME, '--json');
    expect(st.code, st.stderr).toBe(0);
    const [c] = JSON.parse(st.stdout) as Array<{ type: string; sizeLabel: string; members: Array<{ rows: number }> }>;
    expect(c).toMatchObject({ type: 'classifier', sizeLabel: 'LABELS' });
    expect(c!.members.map((m) => m.rows)).toEqual([3, 3]);

    const top = await juba('top', '-n', NAME, '--once', '--json', '--interval', '250');
    expect(top.code, top.stderr).toBe(0);
    const snap = JSON.parse(top.stdout) as { cluster: string; sizeLabel: string; members: unknown[] };
    expect(snap).toMatchObject({ cluster: `classifier/${NAME}`, sizeLabel: 'LABELS' });
    expect(snap.members).toHaveLength(2);

    const call = await juba('call', '-n', NAME, 'classify', '[{"text": "coach league"}]', '--json');
    expect(call.code, call.stderr).toBe(0);
    const scores = (JSON.parse(call.stdout) as Array<Array<{ label: string; score: number }>>)[0]!;
    expect(scores.reduce((x, y) => (y.score > x.score ? y : x)).label).toBe('sports');

    const bench = await juba('bench', '-n', NAME, '-d', '1', '-c', '1', '--json');
    expect(bench.code, bench.stderr).toBe(0);
    expect((JSON.parse(bench.stdout) as { ok: number }).ok).toBeGreaterThan(0);
  }, 60_000);

  it('an NN classifier cluster converges through a push mixer (broadcast_mixer)', async () => {
    const nn = 'nn_shogun';
    const cfg = path.join(tmp, 'nn.json');
    fs.writeFileSync(cfg, JSON.stringify({
      method: 'NN',
      parameter: { method: 'euclid_lsh', parameter: { hash_num: 64 }, nearest_neighbor_num: 8, local_sensitivity: 1 },
      converter: CONFIG.converter,
    }));
    expect((await juba('config', 'write', '-t', 'classifier', '-n', nn, '-f', cfg)).code).toBe(0);
    const args = ['classifier', '-z', zk.hosts, '-n', nn, '-d', tmp, '-x', 'broadcast_mixer', '-s', '0', '-i', '0', '-Z', '2', '-I', '5'];
    const [a, b] = await Promise.all([startMember(desc, nn, args), startMember(desc, nn, args)]);
    try {
      expect(await a.client.call('train', [['sports', doc('goal team')], ['politics', doc('senate tax')]])).toBe(2);
      expect(await b.client.call('train', [['science', doc('gene lab')]])).toBe(1);
      expect((await juba('ctl', 'mix', '-n', nn, '--json')).code).toBe(0);
      // Each side pulled the rows it lacked: both know all three labels and classify alike.
      const labels = await Promise.all([a, b].map(async (m) => [...((await m.client.call('get_labels')) as Map<string, number>).keys()].sort()));
      expect(labels).toEqual([['politics', 'science', 'sports'], ['politics', 'science', 'sports']]);
      const q = [doc('gene lab theory')];
      expect(await a.client.call('classify', q)).toEqual(await b.client.call('classify', q));
    } finally {
      for (const m of [a, b]) m.client.close();
      await Promise.all([a.p.stop(), b.p.stop()]);
    }
  }, 60_000);

  it('refuses a push mixer for a linear model at start, naming the mixers that work', async () => {
    const r = await runJubaToEnd(['serve', 'classifier', '-z', zk.hosts, '-n', NAME, '-x', 'random_mixer', '-p', '0', '-b', '127.0.0.1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot use random_mixer');
    expect(r.stderr).toContain('mixers that work here: linear_mixer');
  }, 60_000);

  it('a name under two types asks for -t; an unknown name says how to create it', async () => {
    await writeHandsOnConfig(zk.hosts, tmp, [NAME]);
    const dup = await juba('ctl', 'status', '-n', NAME);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain(`cluster name ${NAME} exists under several engine types: classifier, nearest_neighbor`);
    const withT = await juba('ctl', 'status', '-n', NAME, '-t', 'classifier', '--json');
    expect(withT.code, withT.stderr).toBe(0);
    const none = await juba('config', 'read', '-n', 'no_such_cluster');
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('no cluster named no_such_cluster');
  }, 60_000);
});
