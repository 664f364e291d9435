/**
 * Operator actions on a running cluster (what jubactl does, and more): who is registered in
 * ZooKeeper, each member's health from its own `get_status`, and save/load/mix on every member.
 * Used by `juba ctl` and the dashboard.
 */
import { ServiceClient, type StatusMap } from '../client/service-client.js';
import { listActives, listNodes, listProxies, listSupervisors } from '../cluster/membership.js';
import * as P from '../cluster/paths.js';
import type { Coordination } from '../cluster/zk.js';
import { descriptorForType } from '../idl/descriptor.js';
import type { ServiceDescriptor } from '../idl/types.js';
import { sizeOf } from './engine-presets.js';
import { memberStats, type MemberStats } from './member-stats.js';
import { listVisorChildren, type VisorChildren } from './visor-control.js';

export interface MemberHealth extends MemberStats {
  ipPort: string;
  host: string;
  port: number;
  /** Listed under `actives/` (proxies route random/broadcast calls to it). */
  active: boolean;
  reachable: boolean;
  error?: string;
  /** The juba visor (ip_port) that started this member and restarts it, if any. */
  visor?: string;
  status?: Record<string, string>;
}

export interface ClusterStatus {
  type: string;
  name: string;
  proxies: string[];
  visors: string[];
  /** What the members' `rows` measure for this type (ROWS, LABELS, …). */
  sizeLabel: string;
  members: MemberHealth[];
}

/**
 * Calls `fn` on a fresh client of `ipPort` and closes it: each member gets its own connection
 * and timeout, so one hung member delays no other.
 */
export async function callMember<T>(
  desc: ServiceDescriptor, ipPort: string, name: string, timeoutMs: number, fn: (c: ServiceClient) => Promise<T>,
): Promise<T> {
  const { host, port } = P.parseIpPort(ipPort);
  const c = new ServiceClient(desc, { host, port, name, timeoutMs });
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/**
 * The service type of a running server (`type` in the get_status every Jubatus server sends)
 * or proxy (its PROGNAME `juba<type>_proxy`), for commands given only a host:port.
 */
export async function typeOfServer(host: string, port: number, timeoutMs: number): Promise<string> {
  const ipPort = P.ipPort(host, port);
  const desc = descriptorForType('server');
  const fromServer = await callMember(desc, ipPort, '', timeoutMs, (c) => c.getStatus()).then(
    (s) => ownStatus(s, ipPort).type,
    () => undefined,
  );
  if (fromServer) return fromServer;
  const s = await callMember(desc, ipPort, '', timeoutMs, (c) => c.getProxyStatus());
  const m = /^juba(.+)_proxy$/.exec(ownStatus(s, ipPort).PROGNAME ?? '');
  if (!m) throw new Error(`${host}:${port} reports no service type`);
  return m[1]!;
}

/** The keys of `ipPort` in a get_status answer (or its only entry: a server answers for itself). */
export function ownStatus(status: StatusMap, ipPort: string): Record<string, string> {
  return Object.fromEntries(status.get(ipPort) ?? [...status.values()][0] ?? []);
}

/** Runs `fn` against every member in parallel (callMember). */
async function onEachMember<T>(
  members: string[], type: string, name: string, timeoutMs: number,
  fn: (c: ServiceClient) => Promise<T>,
): Promise<Array<{ ipPort: string; ok: true; value: T } | { ipPort: string; ok: false; error: string }>> {
  const desc = descriptorForType(type);
  return Promise.all(
    members.map((ipPort) => callMember(desc, ipPort, name, timeoutMs, fn).then(
      (value) => ({ ipPort, ok: true as const, value }),
      (e: unknown) => ({ ipPort, ok: false as const, error: e instanceof Error ? e.message : String(e) }),
    )),
  );
}

function health(ipPort: string, active: boolean, sizeKeys: readonly string[], status: StatusMap | undefined, error?: string): MemberHealth {
  const { host, port } = P.parseIpPort(ipPort);
  if (!status) return { ipPort, host, port, active, reachable: false, error };
  const s = ownStatus(status, ipPort);
  return { ipPort, host, port, active, reachable: true, ...memberStats(s, sizeKeys), status: s };
}

export async function clusterStatus(zk: Coordination, type: string, name: string, timeoutMs = 10_000): Promise<ClusterStatus> {
  const [proxies, visors, nodes, actives] = await Promise.all([
    listProxies(zk, type), listSupervisors(zk), listNodes(zk, type, name), listActives(zk, type, name),
  ]);
  const [results, runs] = await Promise.all([
    onEachMember(nodes, type, name, timeoutMs, (c) => c.getStatus()),
    Promise.all(visors.map((v) => listVisorChildren(v, timeoutMs))),
  ]);
  const owner = visorOwners(runs, name);
  const size = sizeOf(type);
  const members = results.map((r) => {
    const h = health(r.ipPort, actives.includes(r.ipPort), size.keys, r.ok ? r.value : undefined, r.ok ? undefined : r.error);
    return owner.has(r.ipPort) ? { ...h, visor: owner.get(r.ipPort) } : h;
  });
  return { type, name, proxies, visors, sizeLabel: size.label, members };
}

/** ip_port → visor, for the children of `<server>/<name>` (a stock jubavisor has no `list`: none). */
function visorOwners(runs: VisorChildren[], name: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of runs) {
    const { host } = P.parseIpPort(r.visor);
    for (const c of r.children ?? []) if (c.key.endsWith(`/${name}`)) out.set(P.ipPort(host, c.port), r.visor);
  }
  return out;
}

/** The clusters of `type` that have (or had) servers registered. */
export function listClusters(zk: Coordination, type: string): Promise<string[]> {
  return zk.getChildren(P.actorsOf(type));
}

export interface MemberResult {
  ipPort: string;
  ok: boolean;
  /** save: the file written; load/mix: "true"/"false". */
  detail?: string;
  error?: string;
}

/** Calls save(id) or load(id) on every server in `nodes/`, directly (as jubactl does). */
export async function saveOrLoad(zk: Coordination, type: string, name: string, op: 'save' | 'load', id: string, timeoutMs = 10_000): Promise<MemberResult[]> {
  const nodes = await listNodes(zk, type, name);
  const results = await onEachMember(nodes, type, name, timeoutMs, (c) =>
    op === 'save' ? c.save(id).then((m) => [...m.values()].join(',')) : c.load(id).then(String),
  );
  return results.map((r) => (r.ok ? { ipPort: r.ipPort, ok: true, detail: r.value } : { ipPort: r.ipPort, ok: false, error: r.error }));
}

/** Asks one member to run a MIX round now (do_mix); `via` picks the member, else the first. */
export async function triggerMix(zk: Coordination, type: string, name: string, via?: string, timeoutMs = 60_000): Promise<MemberResult> {
  const nodes = await listNodes(zk, type, name);
  const target = via ?? nodes[0];
  if (!target) return { ipPort: '', ok: false, error: `no server found: ${name}` };
  const [r] = await onEachMember([target], type, name, timeoutMs, (c) => c.doMix());
  return r!.ok ? { ipPort: target, ok: r!.value, detail: String(r!.value) } : { ipPort: target, ok: false, error: r!.error };
}
