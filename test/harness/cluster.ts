/** Shared steps of the cluster end-to-end tests. */
import fs from 'node:fs';
import path from 'node:path';
import { ServiceClient } from '../../src/client/service-client.js';
import type { ServiceDescriptor } from '../../src/idl/types.js';
import { killStarted, runJubaToEnd, startServing, type JubaProcess } from './processes.js';
import type { ZooKeeperInstance } from './zookeeper.js';

import { eventually } from './wait.js';

export { eventually };

/**
 * Stores the hands-on config (euclid_lsh, hash_num 64, numeric features only) for each cluster
 * name with `juba config write`, as an operator would; throws with juba's stderr on failure.
 */
export async function writeHandsOnConfig(zkHosts: string, dir: string, names: string[]): Promise<void> {
  const cfg = path.join(dir, 'config.json');
  fs.writeFileSync(cfg, JSON.stringify({
    method: 'euclid_lsh',
    parameter: { hash_num: 64 },
    converter: { num_rules: [{ key: '*', type: 'num' }], string_rules: [] },
  }));
  for (const name of names) await writeConfig(zkHosts, 'nearest_neighbor', name, cfg);
}

/** `juba config write` of `file` for cluster `name` of `type`, as an operator would; throws with juba's stderr. */
export async function writeConfig(zkHosts: string, type: string, name: string, file: string): Promise<void> {
  const w = await runJubaToEnd(['config', 'write', '-z', zkHosts, '-t', type, '-n', name, '-f', file]);
  if (w.code !== 0) throw new Error(`juba config write -t ${type} -n ${name} failed (${w.code}): ${w.stderr}`);
}

/** Waits until `juba ctl status` lists `count` active members of cluster `name` (MIX asks only those). */
export async function untilActive(zkHosts: string, type: string, name: string, count: number): Promise<void> {
  await eventually(async () => {
    const st = await runJubaToEnd(['ctl', 'status', '--json', '-z', zkHosts, '-t', type, '-n', name]);
    const [c] = JSON.parse(st.stdout) as Array<{ members: Array<{ active: boolean }> }>;
    return c!.members.filter((m) => m.active).length === count;
  }, `${count} ${type} servers of ${name} active`);
}

/** A `juba serve` process of a cluster test, with a client of its service. */
export interface Member {
  p: JubaProcess;
  port: number;
  ipPort: string;
  client: ServiceClient;
}

/** Starts `juba serve ARGS` on a free loopback port and opens a client of `desc` for cluster `name`. */
export async function startMember(desc: ServiceDescriptor, name: string, args: string[], ready = /juba (server|proxy) started/): Promise<Member> {
  const { p, port } = await startServing(args, ready);
  return { p, port, ipPort: `127.0.0.1_${port}`, client: new ServiceClient(desc, { host: '127.0.0.1', port, name }) };
}

/** Ends a cluster test: clients closed, every process it started stopped, ZooKeeper and the temp dir gone. */
export async function endCluster(members: Array<Member | undefined>, zk: ZooKeeperInstance | undefined, tmp: string): Promise<void> {
  for (const m of members) m?.client.close();
  killStarted();
  await zk?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
}
