import { describe, expect, it } from 'vitest';
import { chtEntryNames, md5hex } from '../../src/cluster/cht.js';
import { RingSnapshot, routeCall } from '../../src/cluster/routing.js';

const members = ['127.0.0.1_9201', '127.0.0.1_9202', '127.0.0.1_9203', '10.0.0.7_9199'];

function snapshot(ms: string[]): RingSnapshot {
  const owners = new Map<string, string>();
  for (const m of ms) for (const e of chtEntryNames(m)) owners.set(e, m);
  return new RingSnapshot([...ms].sort(), [...owners.keys()].sort(), owners);
}

/** Jubatus's rule written out longhand: walk the sorted ring from the first entry >= md5(key). */
function reference(ms: string[], key: string, n: number): string[] {
  const ring = ms.flatMap((m) => chtEntryNames(m).map((e) => [e, m] as const)).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const h = md5hex(key);
  const start = Math.max(0, ring.findIndex(([e]) => e >= h));
  const out: string[] = [];
  for (let k = 0; k < ring.length && out.length < n; k++) {
    const owner = ring[(start + k) % ring.length]![1];
    if (!out.includes(owner)) out.push(owner);
  }
  return out;
}

describe('routing shared by the proxy and juba feed --durable', () => {
  it('cht(n) gives the ring owners the proxy computes for the same members and keys', async () => {
    const snap = snapshot(members);
    for (let i = 0; i < 500; i++) {
      const key = `id${i}`;
      for (const n of [1, 2]) {
        expect(await routeCall({ kind: 'cht', n }, snap, [key, {}])).toEqual(reference(members, key, n));
      }
    }
  });

  it('random picks one live member, broadcast all, internal none, an empty cluster nobody', async () => {
    const snap = snapshot(members);
    expect(await routeCall({ kind: 'random' }, snap, [], () => 2)).toEqual([[...members].sort()[2]]);
    expect(await routeCall({ kind: 'broadcast' }, snap, [])).toEqual([...members].sort());
    expect(await routeCall({ kind: 'internal' }, snap, [])).toEqual([]);
    expect(await routeCall({ kind: 'random' }, snapshot([]), [])).toEqual([]);
    expect(await routeCall({ kind: 'cht', n: 1 }, snapshot([]), ['a'])).toEqual([]);
  });

  it('without a lost server, its keys move to the next owner and nothing else moves', async () => {
    const snap = snapshot(members);
    const lost = '127.0.0.1_9202';
    const after = snap.without(new Set([lost]));
    const rest = members.filter((m) => m !== lost);
    for (let i = 0; i < 300; i++) {
      const key = `k${i}`;
      const [before] = await routeCall({ kind: 'cht', n: 1 }, snap, [key]);
      const [now] = await routeCall({ kind: 'cht', n: 1 }, after, [key]);
      expect(now).toEqual(reference(rest, key, 1)[0]);
      if (before !== lost) expect(now).toBe(before);
    }
    expect(after.actives()).not.toContain(lost);
  });
});
