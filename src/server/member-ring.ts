/**
 * The consistent-hash ring as a cluster member sees it, for engines that split work by key
 * (burst processes the keywords the ring assigns it: EngineOptions.owns). Built from the
 * `nodes/` list, since every member of a CHT engine registers the same 8 entries per ip_port
 * that the proxy routes by (cluster/cht.ts), so no entry data has to be read.
 */
import { chtEntryNames, findOnRing } from '../cluster/cht.js';

export class MemberRing {
  private entries: string[] = [];
  private readonly owners = new Map<string, string>();

  constructor(private readonly self: () => string) {}

  /** Replaces the members; true when the ring changed. */
  setMembers(ipPorts: readonly string[]): boolean {
    const owners = new Map<string, string>();
    for (const m of ipPorts) for (const e of chtEntryNames(m)) owners.set(e, m);
    const entries = [...owners.keys()].sort();
    if (entries.length === this.entries.length && entries.every((e, i) => e === this.entries[i])) return false;
    this.entries = entries;
    this.owners.clear();
    for (const [e, m] of owners) this.owners.set(e, m);
    return true;
  }

  /**
   * Whether this member is among the `replicas` servers of `key`. Before the member list is
   * known (the first moments after start) every key is ours: work done twice, never lost.
   */
  owns(key: string, replicas: number): boolean {
    if (this.entries.length === 0) return true;
    return findOnRing(this.entries, (e) => this.owners.get(e), key, replicas).includes(this.self());
  }
}
