import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { checkSegment, clusterFlags, resolveType, zkFlags, zookeeperHosts } from '../../cli/cluster-flags.js';
import { reportMembers } from '../../cli/member-report.js';
import { withSession } from '../../cluster/session.js';
import { triggerMix, type MemberResult } from '../../control/cluster-control.js';

export default class CtlMix extends BaseCommand {
  static override summary = 'Run a MIX round in a cluster now (do_mix on one of its servers).';
  static override examples = ['<%= config.bin %> ctl mix -t nearest_neighbor -n sensors'];
  static override enableJsonFlag = true;
  static override flags = {
    ...zkFlags,
    ...clusterFlags,
    server: Flags.string({ char: 's', description: 'the member (ip_port) to ask; default: the first one' }),
    timeout: Flags.integer({ default: 60, min: 1, description: 'seconds to wait for the round' }),
  };

  async run(): Promise<MemberResult[]> {
    const { flags: f } = await this.parse(CtlMix);
    const name = checkSegment('name', f.name);
    const r = await withSession(zookeeperHosts(f.zookeeper), f.zookeeper_timeout, async (zk) =>
      triggerMix(zk, await resolveType(zk, f.type, name), name, f.server, f.timeout * 1000));
    return reportMembers(this, 'do_mix', name, r.ipPort ? [r] : []);
  }
}
