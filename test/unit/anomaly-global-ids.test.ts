/**
 * What a cluster server reads from ZooKeeper for the engine's global-id methods (anomaly add):
 * the id generator's next id (the node's data version after writing "dummy\0") and the CHT
 * owners of the new id, read entry by entry from the ring (framework spec §3.4, §4).
 */
import { describe, expect, it } from 'vitest';
import { chtEntryNames, chtOwnersNow, md5hex } from '../../src/cluster/cht.js';
import { drawGlobalId, ensureIdGenerator } from '../../src/cluster/id-generator.js';
import type { Zk } from '../../src/cluster/zk.js';

/** Just the calls these helpers make, over an in-memory tree. */
function fakeZk(nodes: Map<string, { data: Buffer; version: number }>): Zk {
  return {
    create: async (path: string, data: string | Buffer = '') => {
      if (nodes.has(path)) throw Object.assign(new Error('NODE_EXISTS'), { getCode: () => -110 });
      nodes.set(path, { data: Buffer.from(data), version: 0 });
      return path;
    },
    setData: async (path: string, data: string | Buffer) => {
      const n = nodes.get(path)!;
      n.data = Buffer.from(data);
      n.version += 1;
      return n.version;
    },
    getChildren: async (dir: string) =>
      [...nodes.keys()].filter((p) => p.startsWith(`${dir}/`)).map((p) => p.slice(dir.length + 1)).sort(),
    getData: async (path: string) => nodes.get(path)?.data ?? null,
  } as unknown as Zk;
}

describe('global ids in a cluster', () => {
  it('ids are the id_generator node\'s data versions: 1, 2, 3 …, its data "dummy\\0"', async () => {
    const nodes = new Map<string, { data: Buffer; version: number }>();
    const zk = fakeZk(nodes);
    await ensureIdGenerator(zk, 'anomaly', 'c');
    // Every server of the cluster creates it at start; the second finds it there.
    await ensureIdGenerator(zk, 'anomaly', 'c');
    expect([await drawGlobalId(zk, 'anomaly', 'c'), await drawGlobalId(zk, 'anomaly', 'c')]).toEqual([1, 2]);
    const node = nodes.get('/jubatus/actors/anomaly/c/id_generator')!;
    expect(node.data).toEqual(Buffer.from('dummy\0', 'latin1'));
  });

  it('the CHT owners of an id: the first entry >= md5(id) and on around the ring, each server once', async () => {
    const nodes = new Map<string, { data: Buffer; version: number }>();
    const dir = '/jubatus/actors/anomaly/c/cht';
    for (const s of ['10.0.0.1_9199', '10.0.0.2_9199']) for (const e of chtEntryNames(s)) nodes.set(`${dir}/${e}`, { data: Buffer.from(s), version: 0 });
    const zk = fakeZk(nodes);
    const entries = [...nodes.keys()].map((p) => p.slice(dir.length + 1)).sort();
    for (const id of ['1', '2', '3', '42']) {
      const h = md5hex(id);
      const first = entries.find((e) => e >= h) ?? entries[0]!;
      const owners = await chtOwnersNow(zk, 'anomaly', 'c', id, 2);
      expect(owners[0]).toBe(nodes.get(`${dir}/${first}`)!.data.toString());
      expect(new Set(owners)).toEqual(new Set(['10.0.0.1_9199', '10.0.0.2_9199']));
    }
    expect(await chtOwnersNow(zk, 'anomaly', 'other', '1', 2)).toEqual([]);
  });
});
