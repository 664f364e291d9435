/**
 * Which servers a call goes to (framework spec §5): the one routing rule shared by the proxy
 * and by `juba feed --durable`, which routes client-side so that it knows which server applied
 * each message. `random` → one live member, `broadcast` → every live member, `cht(n)` → the n
 * distinct owners of the key (the first parameter) on the md5 ring.
 */
import { randomInt } from 'node:crypto';
import type { Routing } from '../idl/types.js';
import { findOnRing } from './cht.js';

/** A cluster's members as the router sees them: `actives/` and the CHT ring. */
export interface MemberView {
  actives(): Promise<string[]> | string[];
  chtOwners(key: string, n: number): Promise<string[]> | string[];
}

/** The ip_ports a call with `args` (the cluster name not included) goes to; [] = nobody. */
export async function routeCall(
  routing: Routing,
  view: MemberView,
  args: readonly unknown[],
  pick: (n: number) => number = randomInt,
): Promise<string[]> {
  switch (routing.kind) {
    case 'random': {
      const actives = await view.actives();
      return actives.length === 0 ? [] : [actives[pick(actives.length)]!];
    }
    case 'broadcast':
      return [...(await view.actives())];
    case 'cht':
      // The IDL parser insists that a cht method's first parameter is the string key.
      return view.chtOwners(String(args[0]), routing.n);
    case 'internal':
      return [];
  }
}

/** A fixed snapshot of a cluster (entry names sorted, each entry's owner), as a MemberView. */
export class RingSnapshot implements MemberView {
  constructor(
    readonly activeList: string[],
    readonly entries: string[],
    readonly owners: ReadonlyMap<string, string>,
  ) {}

  actives(): string[] {
    return this.activeList;
  }

  chtOwners(key: string, n: number): string[] {
    return findOnRing(this.entries, (e) => this.owners.get(e), key, n);
  }

  /** The same view without `lost` servers (their ring entries and actives entries dropped). */
  without(lost: ReadonlySet<string>): RingSnapshot {
    if (lost.size === 0) return this;
    return new RingSnapshot(
      this.activeList.filter((a) => !lost.has(a)),
      this.entries.filter((e) => !lost.has(this.owners.get(e) ?? '')),
      this.owners,
    );
  }
}
