/** `juba ctl save` and `juba ctl load` differ only in the operation: one class serves both. */
import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { withSession } from '../cluster/session.js';
import { saveOrLoad, type MemberResult } from '../control/cluster-control.js';
import { callTimeoutFlag, checkSegment, clusterFlags, resolveType, zkFlags, zookeeperHosts } from './cluster-flags.js';
import { reportMembers } from './member-report.js';

const saveLoadFlags = {
  ...zkFlags,
  ...clusterFlags,
  ...callTimeoutFlag,
  id: Flags.string({ char: 'i', description: 'model id (default: the cluster name)' }),
};

export function saveLoadCommand(op: 'save' | 'load', summary: string): typeof BaseCommand {
  return class extends BaseCommand {
    static override summary = summary;
    static override examples = [`<%= config.bin %> ctl ${op} -t nearest_neighbor -n sensors -i backup1`];
    static override enableJsonFlag = true;
    static override flags = saveLoadFlags;

    async run(): Promise<MemberResult[]> {
      const { flags: f } = await this.parse({ flags: saveLoadFlags, enableJsonFlag: true });
      const name = checkSegment('name', f.name);
      const results = await withSession(zookeeperHosts(f.zookeeper), f.zookeeper_timeout, async (zk) =>
        saveOrLoad(zk, await resolveType(zk, f.type, name), name, op, f.id ?? name, f.timeout * 1000));
      return reportMembers(this, op, name, results);
    }
  };
}
