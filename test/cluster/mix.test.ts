/**
 * MIX against a real ZooKeeper (framework spec §6): in-process nearest_neighbor servers on
 * loopback, registered in nodes/ as distributed servers register, driven over msgpack-rpc as a
 * client (or a Jubatus peer) would drive them. Waits are bounded polls, never timing assertions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { listActives } from '../../src/cluster/membership.js';
import * as P from '../../src/cluster/paths.js';
import { Zk } from '../../src/cluster/zk.js';
import { nearestNeighborFactory } from '../../src/engine/nearest_neighbor/service.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import { MsgMap, bytesToString, decodeOne, type MsgValue } from '../../src/msgpack/reader.js';
import type { MsgWriter } from '../../src/msgpack/writer.js';
import { RpcClient } from '../../src/rpc/client.js';
import { RpcError } from '../../src/rpc/errors.js';
import { selectPeers } from '../../src/server/mix/push-mixer.js';
import { type MixerName } from '../../src/server/options.js';
import { startInProcessNode, stopInProcessNode, type InProcessNode } from '../harness/in-process-node.js';
import { freePort } from '../harness/processes.js';
import { eventually } from '../harness/wait.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const TYPE = 'nearest_neighbor';
const CONFIG = { method: 'euclid_lsh', parameter: { hash_num: 64 }, converter: { num_rules: [{ key: '*', type: 'num' }] } };
const logger: Logger = process.env.JUBA_TEST_LOG ? pino({ level: 'debug' }, pino.destination(2)) : silentLogger;

interface Node extends InProcessNode {
  client: RpcClient;
  cluster: string;
}

let zkServer: ZooKeeperInstance;
let admin: Zk;
const nodes: Node[] = [];

beforeAll(async () => {
  zkServer = await startZooKeeper();
  admin = await Zk.connect(zkServer.hosts, { sessionTimeoutMs: 10_000 });
});

afterAll(async () => {
  for (const n of nodes) await stopNode(n);
  await admin?.close();
  await zkServer?.destroy();
});

interface NodeOptions {
  mixer?: MixerName;
  intervalSec?: number;
  intervalCount?: number;
  /** Leave the mixer loop stopped (RPCs are still registered). */
  noStart?: boolean;
}

async function startNode(cluster: string, o: NodeOptions = {}): Promise<Node> {
  const node = await startInProcessNode({
    zkHosts: zkServer.hosts, factory: nearestNeighborFactory, type: TYPE, cluster, config: CONFIG, logger,
    mixer: o.mixer, intervalSec: o.intervalSec, intervalCount: o.intervalCount, start: !o.noStart,
  });
  const client = new RpcClient({ host: '127.0.0.1', port: node.server.port, timeoutMs: 15_000 });
  const n: Node = { ...node, client, cluster };
  nodes.push(n);
  return n;
}

async function stopNode(n: Node): Promise<void> {
  const i = nodes.indexOf(n);
  if (i >= 0) nodes.splice(i, 1);
  n.client.close();
  await stopInProcessNode(n);
}

function writeDatum(w: MsgWriter, nums: Record<string, number>): void {
  w.arrayHeader(3);
  w.arrayHeader(0);
  const entries = Object.entries(nums);
  w.arrayHeader(entries.length);
  for (const [k, v] of entries) {
    w.arrayHeader(2);
    w.str(k);
    w.float64(v);
  }
  w.arrayHeader(0);
}

const call = (n: Node, method: string, write: (w: MsgWriter) => void = () => undefined, argc = 0) =>
  n.client.call(method, (w) => {
    w.arrayHeader(argc + 1);
    w.str(n.cluster);
    write(w);
  });

const setRow = (n: Node, id: string, nums: Record<string, number>) =>
  call(n, 'set_row', (w) => {
    w.str(id);
    writeDatum(w, nums);
  }, 2);

async function allRows(n: Node): Promise<string[]> {
  const v = (await call(n, 'get_all_rows')) as Uint8Array[];
  return v.map(bytesToString);
}

async function similar(n: Node, id: string): Promise<Array<[string, number]>> {
  const v = (await call(n, 'similar_row_from_id', (w) => {
    w.str(id);
    w.int(10);
  }, 2)) as MsgValue[][];
  return v.map(([i, s]) => [bytesToString(i as Uint8Array), s as number]);
}

const doMix = (n: Node) => call(n, 'do_mix');

async function status(n: Node): Promise<Map<string, MsgValue>> {
  const v = (await call(n, 'get_status')) as MsgMap;
  const inner = v.entries[0]![1] as MsgMap;
  return new Map(inner.entries.map(([k, x]) => [bytesToString(k as Uint8Array), x]));
}

async function statusString(n: Node, key: string): Promise<string> {
  const v = (await status(n)).get(key);
  return v instanceof Uint8Array ? bytesToString(v) : `<not a string: ${String(v)}>`;
}

const waitFor = (what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> => eventually(cond, what, timeoutMs, 100);

const sorted = (xs: string[]) => [...xs].sort();
const actives = (cluster: string) => listActives(admin, TYPE, cluster);

async function waitAllActive(group: Node[]): Promise<void> {
  const cluster = group[0]!.cluster;
  await waitFor('every server in actives/', async () => {
    const a = await actives(cluster);
    return group.every((n) => a.includes(n.ipPort));
  });
}

describe('linear_mixer', () => {
  it('servers start obsolete, catch up, then do_mix makes every server answer alike', async () => {
    const group = [await startNode('lin'), await startNode('lin'), await startNode('lin')];
    await waitAllActive(group);
    for (const n of group) expect(await statusString(n, 'linear_mixer.is_obsolete')).toBe('0');

    const rows: Record<string, Record<string, number>> = {};
    for (let i = 0; i < 12; i++) rows[`r${i}`] = { x: Math.sin(i + 1) * 3, y: Math.cos(i * 2) * 2, z: i / 4 };
    const ids = Object.keys(rows);
    for (const [i, id] of ids.entries()) await setRow(group[i % 3]!, id, rows[id]!);
    // Before MIX each server knows only what it stored.
    for (const [k, n] of group.entries()) {
      expect(sorted(await allRows(n))).toEqual(sorted(ids.filter((_, i) => i % 3 === k)));
    }

    expect(await doMix(group[1]!)).toBe(true);
    for (const n of group) expect(sorted(await allRows(n))).toEqual(sorted(ids));
    const bySimilar = await similar(group[0]!, 'r4');
    expect(bySimilar.length).toBe(10);
    for (const n of group.slice(1)) expect(await similar(n, 'r4')).toEqual(bySimilar);

    const st = await status(group[1]!);
    for (const key of [
      'linear_mixer.count', 'linear_mixer.ticktime', 'linear_mixer.is_obsolete', 'linear_mixer.is_running',
      'mix.rounds', 'mix.last_time', 'mix.last_duration_ms', 'mix.last_members', 'mix.last_bytes', 'mix.participated',
    ]) {
      expect(st.get(key), key).toBeInstanceOf(Uint8Array);
    }
    expect(await statusString(group[1]!, 'linear_mixer.is_running')).toBe('1');
    expect(await statusString(group[1]!, 'linear_mixer.count')).toBe('0');
    expect(await statusString(group[1]!, 'mix.last_members')).toBe('3');
    expect(Number(await statusString(group[1]!, 'mix.rounds'))).toBeGreaterThanOrEqual(1);
    expect(Number(await statusString(group[1]!, 'mix.last_bytes'))).toBeGreaterThan(100);
    for (const n of group) expect(Number(await statusString(n, 'mix.participated'))).toBeGreaterThanOrEqual(1);

    // A second round with nothing new still converges and keeps everyone active.
    await setRow(group[2]!, 'r0', { x: 9 });
    expect(await doMix(group[0]!)).toBe(true);
    for (const n of group) expect((await similar(n, 'r0'))[0]).toEqual(['r0', -0]);
    expect(sorted(await actives('lin'))).toEqual(sorted(group.map((n) => n.ipPort)));
    for (const n of [...group]) await stopNode(n);
  });

  it('interval_count triggers a round without do_mix', async () => {
    const group = [await startNode('cnt', { intervalCount: 3 }), await startNode('cnt', { intervalCount: 3 })];
    await waitAllActive(group);
    const [a, b] = group as [Node, Node];
    await setRow(a, 'c1', { x: 1 });
    await setRow(a, 'c2', { y: 1 });
    expect(await statusString(a, 'linear_mixer.count')).toBe('2');
    await setRow(a, 'c3', { z: 1 });
    await waitFor('the count-triggered round to reach b', async () => sorted(await allRows(b)).join() === 'c1,c2,c3');
    await waitFor('a counter reset', async () => (await statusString(a, 'linear_mixer.count')) === '0');
    for (const n of group) await stopNode(n);
  });

  it('a server that joins later starts obsolete, pulls the model with get_model and becomes active', async () => {
    const group = [await startNode('join'), await startNode('join')];
    await waitAllActive(group);
    for (let i = 0; i < 6; i++) await setRow(group[i % 2]!, `j${i}`, { x: i, y: 6 - i });
    expect(await doMix(group[0]!)).toBe(true);
    const want = sorted(await allRows(group[0]!));
    expect(want.length).toBe(6);

    const late = await startNode('join', { noStart: true });
    expect(await statusString(late, 'linear_mixer.is_obsolete')).toBe('1');
    expect(await allRows(late)).toEqual([]);
    expect(await actives('join')).not.toContain(late.ipPort);
    late.mixer.start();
    await waitFor('the late server in actives/', async () => (await actives('join')).includes(late.ipPort));
    expect(await statusString(late, 'linear_mixer.is_obsolete')).toBe('0');
    expect(sorted(await allRows(late))).toEqual(want);
    expect(await similar(late, 'j2')).toEqual(await similar(group[1]!, 'j2'));
    // get_model's reply: [protocol_version, raw(packed model)].
    const model = (await late.client.call('get_model', (w) => { w.arrayHeader(1); w.int(0); })) as MsgValue[];
    expect(model.length).toBe(2);
    expect(model[0]).toBe(1);
    expect(model[1]).toBeInstanceOf(Uint8Array);
    // Its catch-up ended with a full round of its own.
    expect(Number(await statusString(late, 'mix.rounds'))).toBeGreaterThanOrEqual(1);
    for (const n of [...group, late]) await stopNode(n);
  });

  it('a member that does not answer is skipped; the others still mix', async () => {
    const group = [await startNode('dead'), await startNode('dead')];
    await waitAllActive(group);
    // Registered in nodes/ but nobody listens there.
    const ghost = P.ipPort('127.0.0.1', await freePort());
    await admin.create(`${P.nodes(TYPE, 'dead')}/${ghost}`, '', 'ephemeral');
    await setRow(group[0]!, 'd0', { x: 1 });
    await setRow(group[1]!, 'd1', { y: 1 });
    expect(await doMix(group[0]!)).toBe(true);
    for (const n of group) expect(sorted(await allRows(n))).toEqual(['d0', 'd1']);
    expect(await statusString(group[0]!, 'mix.last_members')).toBe('3');
    await admin.remove(`${P.nodes(TYPE, 'dead')}/${ghost}`);
    for (const n of group) await stopNode(n);
  });

  it('a MIX protocol version mismatch during catch-up is fatal', async () => {
    const old = await startNode('proto');
    await waitAllActive([old]);
    (old.server.engine as { userDataVersion: number }).userDataVersion = 2;
    const fresh = await startNode('proto');
    await waitFor('the fatal callback', () => fresh.fatals.length > 0);
    expect(fresh.fatals[0]).toMatch(/protocol version mismatch: .* has 2, this server 1/);
    expect(await statusString(fresh, 'linear_mixer.is_running')).toBe('0');
    expect(await statusString(fresh, 'linear_mixer.is_obsolete')).toBe('1');
    for (const n of [old, fresh]) await stopNode(n);
  });

  it('internal RPCs check their params like Jubatus (error 2)', async () => {
    const n = await startNode('args', { noStart: true });
    await expect(n.client.call('put_diff', (w) => { w.arrayHeader(1); w.int(0); })).rejects.toMatchObject({ error: 2 });
    await expect(n.client.call('get_diff', (w) => w.arrayHeader(0))).rejects.toBeInstanceOf(RpcError);
    await expect(n.client.call('get_model', (w) => w.arrayHeader(0))).rejects.toMatchObject({ error: 2 });
    // A raw that is not a diff: the server answers with an error message and keeps its model.
    await expect(n.client.call('put_diff', (w) => { w.arrayHeader(1); w.raw(new Uint8Array([0x92, 0x01])); }))
      .rejects.toBeInstanceOf(RpcError);
    expect(await statusString(n, 'mix.participated')).toBe('0');
    await stopNode(n);
  });
});

describe('get_diff on the wire (engines spec §4.7)', () => {
  it('matches the verified 1.1.1 bytes for the spec example', async () => {
    const n = await startNode('bytes', { noStart: true });
    // The example's server was 127.0.0.1_19591: build the engine with that owner.
    n.server.engine = nearestNeighborFactory.create(CONFIG, { owner: '127.0.0.1_19591' });
    await setRow(n, 'a', { x: 1 });
    await setRow(n, 'b', { y: 2 });
    const reply = await n.client.call('get_diff', (w) => { w.arrayHeader(1); w.int(0); });
    expect(reply).toBeInstanceOf(Uint8Array);
    const got = Buffer.from(reply as Uint8Array).toString('hex');
    const owner = Buffer.from('127.0.0.1_19591').toString('hex');
    const want = '92' + 'da0057' + '92' +
      `93a161 9291af${owner}00 9292 40 a8 49127677c7920faa cb3ff0000000000000` +
      `93a162 9291af${owner}01 9292 40 a8 4df020722a596bab cb4000000000000000` +
      '92 95 00 9180 9180 9180 80 91 01';
    expect((reply as Uint8Array).length).toBe(103);
    // All but the last byte: the weight manager's version. 1.1.1 answered 1 here; juba's weight
    // manager counts from 0 (the version is only compared between servers, which all start alike).
    expect(got.slice(0, -2)).toBe(want.replace(/ /g, '').slice(0, -2));
    expect(got.slice(-2)).toBe('00');
    await stopNode(n);
  });
});

describe('push mixers', () => {
  it('selectPeers follows the spec per mixer', () => {
    const m = ['a', 'b', 'c', 'd', 'e'];
    expect(selectPeers('broadcast_mixer', m, 'c')).toEqual(['a', 'b', 'd', 'e']);
    expect(selectPeers('random_mixer', m, 'c', () => 0.99)).toEqual(['e']);
    expect(selectPeers('random_mixer', ['c'], 'c')).toEqual([]);
    // w = 5, me = 2: strides 2, 1 → e, d.
    expect(selectPeers('skip_mixer', m, 'c')).toEqual(['e', 'd']);
    expect(selectPeers('skip_mixer', ['a', 'b', 'c'], 'c')).toEqual(['a']);
    expect(selectPeers('skip_mixer', ['a', 'b'], 'a')).toEqual(['b']);
  });

  for (const mixer of ['random_mixer', 'broadcast_mixer', 'skip_mixer'] as const) {
    it(`${mixer} converges three servers`, async () => {
      const cluster = `push_${mixer}`;
      const group = [await startNode(cluster, { mixer }), await startNode(cluster, { mixer }), await startNode(cluster, { mixer })];
      await waitAllActive(group);
      const ids: string[] = [];
      for (let i = 0; i < 9; i++) {
        ids.push(`${mixer[0]}${i}`);
        await setRow(group[i % 3]!, ids[i]!, { x: i, y: i % 4, z: 1 });
      }
      // Rounds are pairwise; a few of them spread every row (random_mixer needs luck, so bound it).
      for (let round = 0; round < 30; round++) {
        const views = await Promise.all(group.map(async (n) => sorted(await allRows(n)).join()));
        if (views.every((v) => v === sorted(ids).join())) break;
        for (const n of group) expect(await doMix(n)).toBe(true);
      }
      for (const n of group) expect(sorted(await allRows(n))).toEqual(sorted(ids));
      const ref = await similar(group[0]!, ids[4]!);
      for (const n of group.slice(1)) expect(await similar(n, ids[4]!)).toEqual(ref);
      // get_pull_argument: raw [version clock], the clock a map keyed by the owner struct [ip_port].
      const arg = await group[0]!.client.call('get_pull_argument', (w) => { w.arrayHeader(1); w.int(0); });
      const parts = decodeOne(arg as Uint8Array) as MsgValue[];
      expect(parts.length).toBe(1);
      const vc = (parts[0] as MsgMap).entries.map(([k, c]) => [bytesToString((k as Uint8Array[])[0]!), c]);
      const owners = vc.map(([o]) => o as string);
      expect(owners).toEqual(sorted(owners));
      for (const n of group.slice(1)) expect(owners).toContain(n.ipPort);
      for (const [, c] of vc) expect(Number.isInteger(c)).toBe(true);
      const st = await status(group[0]!);
      for (const key of ['push_mixer.count', 'push_mixer.ticktime', 'mix.rounds', 'mix.last_bytes', 'mix.participated']) {
        expect(st.get(key), key).toBeInstanceOf(Uint8Array);
      }
      expect(st.has('linear_mixer.is_obsolete')).toBe(false);
      for (const n of group) await stopNode(n);
    });
  }
});
