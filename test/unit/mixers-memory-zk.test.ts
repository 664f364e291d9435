/**
 * The mixers without ZooKeeper: three in-process nearest_neighbor servers whose sessions are
 * on the in-memory ZooKeeper (test/harness/memory-zk.ts). Each mixer finds its peers in
 * `nodes/`, takes the master lock or picks peers, and a round leaves every member with every
 * row; `actives/` follows whether a member's model is current.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src/client/service-client.js';
import * as P from '../../src/cluster/paths.js';
import { nearestNeighborFactory } from '../../src/engine/nearest_neighbor/service.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import type { MixerName } from '../../src/server/options.js';
import { startInProcessNode, stopInProcessNode, type InProcessNode } from '../harness/in-process-node.js';
import { MemoryEnsemble } from '../harness/memory-zk.js';
import { eventually } from '../harness/wait.js';

const TYPE = 'nearest_neighbor';
const CONFIG = { method: 'euclid_lsh', parameter: { hash_num: 64 }, converter: { num_rules: [{ key: '*', type: 'num' }] } };
const desc = loadEngineDescriptor(TYPE);
const started: Array<{ node: InProcessNode; client: ServiceClient }> = [];

afterEach(async () => {
  for (const { node, client } of started.splice(0)) {
    client.close();
    await stopInProcessNode(node);
  }
});

async function cluster(ens: MemoryEnsemble, mixer: MixerName, n: number) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const node = await startInProcessNode({
      coordination: ens.session(), factory: nearestNeighborFactory, type: TYPE, cluster: 'mem', config: CONFIG, mixer, start: false,
    });
    const client = new ServiceClient(desc, { host: '127.0.0.1', port: node.server.port, name: 'mem', timeoutMs: 10_000 });
    started.push({ node, client });
    out.push({ node, client });
  }
  return out;
}

const rows = async (c: ServiceClient): Promise<string[]> => ((await c.call('get_all_rows')) as string[]).slice().sort();

describe.each(['linear_mixer', 'broadcast_mixer'] as const)('%s over the in-memory ZooKeeper', (mixer) => {
  it('a round gives every member every row, and members register in actives/', async () => {
    const ens = new MemoryEnsemble();
    const members = await cluster(ens, mixer, 3);
    expect(ens.children(P.nodes(TYPE, 'mem'))).toHaveLength(3);
    for (const [i, m] of members.entries()) {
      for (let r = 0; r < 4; r++) {
        expect(await m.client.call('set_row', `m${i}r${r}`, { stringValues: [], numValues: [['x', i * 10 + r]], binaryValues: [] })).toBe(true);
      }
    }
    const all = members.flatMap((_, i) => [0, 1, 2, 3].map((r) => `m${i}r${r}`)).sort();
    // broadcast_mixer: each member pushes to the others, so every member runs a round.
    const runners = mixer === 'linear_mixer' ? [members[0]!] : members;
    for (const m of runners) expect(await m.node.mixer.doMix()).toBe(true);
    for (const m of members) expect(await rows(m.client)).toEqual(all);
    await eventually(() => (ens.children(P.actives(TYPE, 'mem')) ?? []).length === 3, 'every member in actives/', 10_000, 10);
    expect(members.flatMap((m) => m.node.fatals)).toEqual([]);
  });
});

describe('linear_mixer after a member leaves', () => {
  it('the next round runs with the members still in nodes/', async () => {
    const ens = new MemoryEnsemble();
    const members = await cluster(ens, 'linear_mixer', 3);
    const leaving = started.findIndex((s) => s.node === members[2]!.node);
    const [gone] = started.splice(leaving, 1);
    gone!.client.close();
    await stopInProcessNode(gone!.node);
    expect(ens.children(P.nodes(TYPE, 'mem'))).toHaveLength(2);
    expect(await members[1]!.client.call('set_row', 'late', { stringValues: [], numValues: [['x', 1]], binaryValues: [] })).toBe(true);
    expect(await members[0]!.node.mixer.doMix()).toBe(true);
    expect(await rows(members[0]!.client)).toEqual(['late']);
  });
});

describe('linear_mixer with a member that is listed but refuses connections', () => {
  it('the round goes on without it, and the refused put_diff is counted, not fatal', async () => {
    const ens = new MemoryEnsemble();
    const members = await cluster(ens, 'linear_mixer', 3);
    // Its RPC port closes but its session stays: nodes/ still lists it (a server being killed).
    await members[2]!.node.server.close();
    expect(ens.children(P.nodes(TYPE, 'mem'))).toHaveLength(3);
    expect(await members[1]!.client.call('set_row', 'r', { stringValues: [], numValues: [['x', 1]], binaryValues: [] })).toBe(true);
    const failuresBefore = members[0]!.node.mixer.stats.failures;
    await members[0]!.node.mixer.doMix();
    expect(await rows(members[0]!.client)).toEqual(['r']);
    expect(members[0]!.node.mixer.stats.failures).toBeGreaterThan(failuresBefore);
  });
});

