/**
 * Consistent hashing as Jubatus does it (framework spec §4): md5 hex names, 8 virtual nodes
 * per server (`md5(ip_port)` for the first, `md5(ip_port_i)` for i = 1..7), each an ephemeral
 * znode under `<name>/cht/` whose data is the owner's ip_port. A key goes to the first entry
 * >= md5(key) and the entries after it, wrapping around.
 */
import { createHash } from 'node:crypto';
import * as P from './paths.js';
import { isNodeExists } from './zk-errors.js';
import type { Coordination } from './zk.js';

export const VIRTUAL_NODES = 8;

export function md5hex(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex');
}

export function chtEntryNames(ipPort: string): string[] {
  return Array.from({ length: VIRTUAL_NODES }, (_, i) => md5hex(i === 0 ? ipPort : `${ipPort}_${i}`));
}

/** Creates this server's ring entries (ephemeral; an existing entry of ours is kept). */
export async function registerCht(zk: Coordination, type: string, name: string, ipPort: string): Promise<void> {
  const dir = P.chtDir(type, name);
  await zk.mkdirp(dir);
  for (const entry of chtEntryNames(ipPort)) {
    try {
      await zk.create(`${dir}/${entry}`, ipPort, 'ephemeral');
    } catch (e) {
      if (!isNodeExists(e)) throw e;
    }
  }
}

/**
 * The servers for `key`: starting at the first entry >= md5(key), the next entries' owners.
 * Jubatus takes n consecutive entries even when two belong to one server; juba skips repeats
 * so that cht(2) reaches two different servers whenever there are two.
 *
 * @param entries ring entry names, sorted
 * @param ownerOf the ip_port stored in an entry
 */
export function findOnRing(entries: readonly string[], ownerOf: (entry: string) => string | undefined, key: string, n: number): string[] {
  if (entries.length === 0 || n <= 0) return [];
  const h = md5hex(key);
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]! < h) lo = mid + 1;
    else hi = mid;
  }
  const out: string[] = [];
  for (let k = 0; k < entries.length && out.length < n; k++) {
    const owner = ownerOf(entries[(lo + k) % entries.length]!);
    if (owner !== undefined && !out.includes(owner)) out.push(owner);
  }
  return out;
}

/**
 * The servers the ring assigns to `key` right now, read from ZooKeeper (what a server does for
 * its own CHT writes, e.g. anomaly's add; the proxy keeps a watched copy instead). Only the
 * entries needed are read. Empty ring → [].
 */
export async function chtOwnersNow(zk: Coordination, type: string, name: string, key: string, n: number): Promise<string[]> {
  const dir = P.chtDir(type, name);
  const entries = await zk.getChildren(dir);
  if (entries.length === 0 || n <= 0) return [];
  const h = md5hex(key);
  let start = entries.findIndex((e) => e >= h);
  if (start < 0) start = 0;
  const out: string[] = [];
  for (let k = 0; k < entries.length && out.length < n; k++) {
    const data = await zk.getData(`${dir}/${entries[(start + k) % entries.length]!}`);
    const owner = data?.toString('utf8');
    if (owner !== undefined && !out.includes(owner)) out.push(owner);
  }
  return out;
}
