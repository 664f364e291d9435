import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { callTimeoutFlag, checkSegment, resolveType, storedType, zkFlags, zookeeperHosts } from '../../cli/cluster-flags.js';
import { allClusters, type ClusterRef } from '../../cluster/cluster-types.js';
import type { Coordination } from '../../cluster/zk.js';
import { withSession } from '../../cluster/session.js';
import { clusterStatus, listClusters, type ClusterStatus, type MemberHealth } from '../../control/cluster-control.js';

function ago(epoch: number | undefined): string {
  if (!epoch) return 'never';
  const s = Math.max(0, Math.round(Date.now() / 1000 - epoch));
  return `${s}s ago`;
}

function memberLine(m: MemberHealth, sizeLabel: string): string {
  if (!m.reachable) return `${m.ipPort}  UNREACHABLE  ${m.error ?? ''}`;
  const state = m.obsolete ? 'obsolete' : m.active ? 'active' : 'inactive';
  return `${m.ipPort}  ${state}  ${sizeLabel.toLowerCase()}=${m.rows ?? '?'}  uptime=${m.uptimeSec ?? '?'}s  updates=${m.updateCount ?? '?'}  last_mix=${ago(m.lastMix)}${m.visor ? `  visor=${m.visor}` : ''}`;
}

export default class CtlStatus extends BaseCommand {
  static override summary = 'Show the proxies, visors and servers of a cluster, with each server\'s health (jubactl -c status).';
  static override examples = [
    '<%= config.bin %> ctl status -n sensors -z 127.0.0.1:2181',
    '<%= config.bin %> ctl status -t classifier --json',
    '<%= config.bin %> ctl status',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    ...zkFlags,
    ...callTimeoutFlag,
    type: Flags.string({ char: 't', description: 'engine type, e.g. classifier (default: the type of -n, or every type)' }),
    name: Flags.string({ char: 'n', description: 'cluster name (default: every cluster of the type, or every cluster)' }),
  };

  async run(): Promise<ClusterStatus[]> {
    const { flags: f } = await this.parse(CtlStatus);
    const result = await withSession(zookeeperHosts(f.zookeeper), f.zookeeper_timeout, async (zk) => {
      const clusters = await pickClusters(zk, f.type, f.name);
      return Promise.all(clusters.map((c) => clusterStatus(zk, c.type, c.name, f.timeout * 1000)));
    });
    if (!this.jsonEnabled()) {
      const blue = (s: string): string => (process.env.NO_COLOR || !process.stdout.isTTY ? s : `\x1b[34m${s}\x1b[0m`);
      // jubactl's lines; the type is added only when clusters of several types are listed.
      const typed = new Set(result.map((c) => c.type)).size > 1;
      const of = (c: ClusterStatus): string => (typed ? ` (${c.type})` : '');
      const proxies = new Set(result.flatMap((c) => c.proxies.map((p) => `${p}${of(c)}`)));
      this.log(blue('active jubaproxy members:'));
      for (const p of proxies) this.log(p);
      this.log(blue('active jubavisor members:'));
      for (const v of result[0]?.visors ?? []) this.log(v);
      for (const c of result) {
        this.log(blue(`active ${c.name} members${of(c)}:`));
        for (const m of c.members) this.log(memberLine(m, c.sizeLabel));
      }
      if (result.length === 0) this.log(`(no ${f.type ? `${f.type} ` : ''}clusters registered)`);
    }
    return result;
  }
}

/** -t and -n as given; a missing -t is read from ZooKeeper; neither means every cluster. */
async function pickClusters(zk: Coordination, type: string | undefined, name: string | undefined): Promise<ClusterRef[]> {
  if (name) {
    const n = checkSegment('name', name);
    return [{ type: await resolveType(zk, type, n), name: n }];
  }
  if (type) {
    const t = storedType(type);
    return (await listClusters(zk, t)).map((n) => ({ type: t, name: n }));
  }
  return allClusters(zk);
}
