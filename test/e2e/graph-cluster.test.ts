/**
 * graph in a cluster (framework spec §3.4, §4, §6; 1.1.1's graph_serv): real ZooKeeper, the
 * shipped config/graph/default.json, two `juba serve graph` members that only MIX when asked,
 * and a proxy. create_node's ids come from the cluster's id generator (1, 2, 3, …) and each node
 * lands on its 2 CHT owners (both members) through create_node_here; create_edge draws from the
 * same generator and lands on its source's owners; remove_node leaves every member's global
 * index; update_index is refused; each MIX is one PageRank step, so after k MIXes the members
 * answer the centralities a standalone server answers after k update_index.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphFactory } from '../../src/engine/graph/service.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { endCluster, eventually, startMember, untilActive, writeConfig, type Member } from '../harness/cluster.js';
import { ROOT, runJubaToEnd } from '../harness/processes.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const desc = loadEngineDescriptor('graph');
const NAME = 'routes';
const CONFIG = path.join(ROOT, 'config/graph/default.json');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-graph-cluster-'));
const ALL = [[], []];
let zk: ZooKeeperInstance;

const startServer = (): Promise<Member> =>
  startMember(desc, NAME, ['graph', '-z', zk.hosts, '-n', NAME, '-d', tmp, '-Z', '2', '-I', '5', '-s', '0', '-i', '0']);
const ctl = (args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> =>
  runJubaToEnd(['ctl', ...args, '-z', zk.hosts, '-t', 'graph', '-n', NAME]);
const status = async (m: Member): Promise<Map<string, string>> => [...(await m.client.getStatus()).values()][0]!;

let s1: Member;
let s2: Member;
let proxy: Member;
const nodes: string[] = [];
const EDGES: Array<[number, number]> = [[0, 1], [1, 2], [2, 0], [3, 0], [4, 3], [1, 4]];

beforeAll(async () => {
  zk = await startZooKeeper();
  await writeConfig(zk.hosts, 'graph', NAME, CONFIG);
  [s1, s2] = await Promise.all([startServer(), startServer()]);
  await untilActive(zk.hosts, 'graph', NAME, 2);
  proxy = await startMember(desc, NAME, ['graph', '--proxy', '-z', zk.hosts]);
  await eventually(async () => (await proxy.client.getStatus()).size === 2, 'both servers behind the proxy');
}, 120_000);

afterAll(() => endCluster([s1, s2, proxy], zk, tmp));

describe('juba serve graph in a cluster', () => {
  it('create_node through the proxy numbers nodes cluster-wide from 1 and puts each on both CHT owners', async () => {
    expect(await proxy.client.call('add_centrality_query', ALL)).toBe(true);
    expect(await proxy.client.call('add_shortest_path_query', ALL)).toBe(true);
    for (let i = 0; i < 5; i++) nodes.push((await proxy.client.call('create_node')) as string);
    expect(nodes).toEqual(['1', '2', '3', '4', '5']);
    for (const m of [s1, s2]) {
      const st = await status(m);
      expect(st.get('local_node_num')).toBe('5');
      expect(st.get('global_node_num')).toBe('5');
      expect(await m.client.call('get_node', '3')).toEqual([new Map(), [], []]);
    }
  });

  it('create_edge draws from the same generator and lands on the source\'s owners', async () => {
    const eids: number[] = [];
    for (const [s, t] of EDGES) {
      eids.push(Number(await proxy.client.call('create_edge', nodes[s]!, [new Map([['kind', 'road']]), nodes[s]!, nodes[t]!])));
    }
    expect(eids).toEqual([6, 7, 8, 9, 10, 11]);
    for (const m of [s1, s2]) {
      expect((await status(m)).get('local_edge_num')).toBe('6');
      expect(await m.client.call('get_edge', '2', 7)).toEqual([new Map([['kind', 'road']]), '2', '3']);
    }
    await expect(s1.client.call('create_edge', '99', [new Map(), '99', '98'])).rejects.toThrow(/create_edge unknown src id=99 tgt id=98/);
  });

  it('refuses update_index in a cluster with 1.1.1\'s error', async () => {
    await expect(s1.client.call('update_index')).rejects.toThrow(/manual mix is available only in standalone mode/);
  });

  it('each MIX is one PageRank step: centralities converge and equal a standalone server\'s', async () => {
    const standalone = graphFactory.create(JSON.parse(fs.readFileSync(CONFIG, 'utf8')), { owner: 'x' });
    standalone.add_centrality_query([[], []]);
    standalone.add_shortest_path_query([[], []]);
    for (const id of nodes) standalone.create_node_here(id);
    EDGES.forEach(([s, t], i) => standalone.create_edge_here(6 + i, [new Map([['kind', 'road']]), nodes[s]!, nodes[t]!]));
    for (let k = 0; k < 3; k++) {
      const mix = await ctl(['mix', '--json']);
      expect(mix.code, mix.stderr).toBe(0);
      standalone.update_index();
    }
    for (const id of nodes) {
      const want = standalone.get_centrality(id, 0, [[], []]);
      expect(await s1.client.call('get_centrality', id, 0, ALL)).toBeCloseTo(want, 12);
      expect(await s2.client.call('get_centrality', id, 0, ALL)).toBeCloseTo(want, 12);
      expect(await proxy.client.call('get_centrality', id, 0, ALL)).toBeCloseTo(want, 12);
    }
    expect(await proxy.client.call('get_shortest_path', ['5', '3', 10, ALL])).toEqual(standalone.get_shortest_path(['5', '3', 10, [[], []]]));
  });

  it('remove_node through the proxy removes the node everywhere', async () => {
    const id = (await proxy.client.call('create_node')) as string;
    // 12 went to the create_edge that failed above: 1.1.1 draws the id before it checks the nodes.
    expect(id).toBe('13');
    for (const m of [s1, s2]) expect((await status(m)).get('global_node_num')).toBe('6');
    expect(await proxy.client.call('remove_node', id)).toBe(true);
    for (const m of [s1, s2]) {
      const st = await status(m);
      expect(st.get('local_node_num')).toBe('5');
      expect(st.get('global_node_num')).toBe('5');
      await expect(m.client.call('get_node', id)).rejects.toThrow(/get_node/);
    }
    await expect(proxy.client.call('remove_node', '3')).rejects.toThrow(/cannot be removed because it has edges/);
  });

  it('remove_node asked of one member removes the node there and drops it from the other\'s global index', async () => {
    const id = (await proxy.client.call('create_node')) as string;
    for (const m of [s1, s2]) expect((await status(m)).get('global_node_num')).toBe('6');
    expect(await s1.client.call('remove_node', id)).toBe(true);
    const st1 = await status(s1);
    expect([st1.get('local_node_num'), st1.get('global_node_num')]).toEqual(['5', '5']);
    // 1.1.1's remove_global_node: s2 keeps its local copy, but the node leaves its global index.
    const st2 = await status(s2);
    expect([st2.get('local_node_num'), st2.get('global_node_num')]).toEqual(['6', '5']);
    await expect(s2.client.call('get_shortest_path', [id, id, 10, ALL])).rejects.toThrow(/shortest_path:src/);
  });
});
