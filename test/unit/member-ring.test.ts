/** A member's view of the CHT ring (server/member-ring.ts) agrees with the proxy's routing. */
import { describe, expect, it } from 'vitest';
import { chtEntryNames, findOnRing } from '../../src/cluster/cht.js';
import { MemberRing } from '../../src/server/member-ring.js';

const members = ['127.0.0.1_9001', '127.0.0.1_9002', '127.0.0.1_9003'];

describe('MemberRing', () => {
  it('owns a key exactly when the proxy would route it to this member', () => {
    const entries = members.flatMap((m) => chtEntryNames(m).map((e) => [e, m] as const)).sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const owner = new Map(entries);
    const names = entries.map(([e]) => e);
    const rings = members.map((m) => {
      const r = new MemberRing(() => m);
      expect(r.setMembers(members)).toBe(true);
      return r;
    });
    for (const key of ['storm', 'rain', 'sky', 'tea', 'a', '']) {
      const routed = findOnRing(names, (e) => owner.get(e), key, 2);
      expect(routed).toHaveLength(2);
      members.forEach((m, i) => expect(rings[i]!.owns(key, 2), `${key} on ${m}`).toBe(routed.includes(m)));
    }
  });

  it('reports a change only when the members changed; owns everything while it knows nobody', () => {
    const r = new MemberRing(() => members[0]!);
    expect(r.owns('anything', 1)).toBe(true);
    expect(r.setMembers(members)).toBe(true);
    expect(r.setMembers([...members].reverse())).toBe(false);
    expect(r.setMembers(members.slice(1))).toBe(true);
    expect(r.owns('anything', 2)).toBe(false);
  });
});
