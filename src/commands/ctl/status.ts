import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { callTimeoutFlag, checkSegment, storedType, zkFlags, zookeeperHosts } from '../../cli/cluster-flags.js';
import { withZk } from '../../cluster/config-store.js';
import { clusterStatus, listClusters, type ClusterStatus, type MemberHealth } from '../../control/cluster-control.js';

function ago(epoch: number | undefined): string {
  if (!epoch) return 'never';
  const s = Math.max(0, Math.round(Date.now() / 1000 - epoch));
  return `${s}s ago`;
}

function memberLine(m: MemberHealth): string {
  if (!m.reachable) return `${m.ipPort}  UNREACHABLE  ${m.error ?? ''}`;
  const state = m.obsolete ? 'obsolete' : m.active ? 'active' : 'inactive';
  return `${m.ipPort}  ${state}  rows=${m.rows ?? '?'}  uptime=${m.uptimeSec ?? '?'}s  updates=${m.updateCount ?? '?'}  last_mix=${ago(m.lastMix)}${m.visor ? `  visor=${m.visor}` : ''}`;
}

export default class CtlStatus extends BaseCommand {
  static override summary = 'Show the proxies, visors and servers of a cluster, with each server\'s health (jubactl -c status).';
  static override examples = [
    '<%= config.bin %> ctl status -t nearest_neighbor -n sensors -z 127.0.0.1:2181',
    '<%= config.bin %> ctl status -t nearest_neighbor --json',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    ...zkFlags,
    ...callTimeoutFlag,
    type: Flags.string({ char: 't', required: true, description: 'engine type, e.g. nearest_neighbor' }),
    name: Flags.string({ char: 'n', description: 'cluster name (default: every cluster of the type)' }),
  };

  async run(): Promise<ClusterStatus[]> {
    const { flags: f } = await this.parse(CtlStatus);
    const type = storedType(f.type);
    const result = await withZk(zookeeperHosts(f.zookeeper), f.zookeeper_timeout, async (zk) => {
      const names = f.name ? [checkSegment('name', f.name)] : await listClusters(zk, type);
      return Promise.all(names.map((n) => clusterStatus(zk, type, n, f.timeout * 1000)));
    });
    if (!this.jsonEnabled()) {
      const blue = (s: string): string => (process.env.NO_COLOR || !process.stdout.isTTY ? s : `\x1b[34m${s}\x1b[0m`);
      const first = result[0];
      this.log(blue('active jubaproxy members:'));
      for (const p of first?.proxies ?? []) this.log(p);
      this.log(blue('active jubavisor members:'));
      for (const v of first?.visors ?? []) this.log(v);
      for (const c of result) {
        this.log(blue(`active ${c.name} members:`));
        for (const m of c.members) this.log(memberLine(m));
      }
      if (result.length === 0) this.log(`(no ${type} clusters registered)`);
    }
    return result;
  }
}
