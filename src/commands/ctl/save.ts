import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { callTimeoutFlag, checkSegment, clusterFlags, storedType, zkFlags, zookeeperHosts } from '../../cli/cluster-flags.js';
import { withZk } from '../../cluster/config-store.js';
import { saveOrLoad, type MemberResult } from '../../control/cluster-control.js';
import { reportMembers } from '../../cli/member-report.js';

export default class CtlSave extends BaseCommand {
  static override summary = 'Save the model of every server of a cluster (jubactl -c save).';
  static override examples = ['<%= config.bin %> ctl save -t nearest_neighbor -n sensors -i backup1'];
  static override enableJsonFlag = true;
  static override flags = {
    ...zkFlags,
    ...clusterFlags,
    ...callTimeoutFlag,
    id: Flags.string({ char: 'i', description: 'model id (default: the cluster name)' }),
  };

  async run(): Promise<MemberResult[]> {
    const { flags: f } = await this.parse(CtlSave);
    const name = checkSegment('name', f.name);
    const results = await withZk(zookeeperHosts(f.zookeeper), f.zookeeper_timeout, (zk) =>
      saveOrLoad(zk, storedType(f.type), name, 'save', f.id ?? name, f.timeout * 1000));
    return reportMembers(this, 'save', name, results);
  }
}
