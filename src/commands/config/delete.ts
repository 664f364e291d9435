import { BaseCommand } from '../../base-command.js';
import { deleteConfig } from '../../cluster/config-store.js';
import { withSession } from '../../cluster/session.js';
import { checkSegment, clusterFlags, resolveType, zkFlags, zookeeperHosts } from '../../cli/cluster-flags.js';

export default class ConfigDelete extends BaseCommand {
  static override summary = "Delete a cluster's stored config (jubaconfig -c delete).";
  static override description = 'Refused while any server of the cluster is registered or another user holds the config lock.';
  static override examples = ['<%= config.bin %> config delete -t nearest_neighbor -n sensors -z 127.0.0.1:2181'];
  static override flags = { ...clusterFlags, ...zkFlags };

  async run(): Promise<void> {
    const { flags: f } = await this.parse(ConfigDelete);
    const hosts = zookeeperHosts(f.zookeeper);
    const name = checkSegment('name', f.name);
    const path = await withSession(hosts, f.zookeeper_timeout, async (zk) => deleteConfig(zk, await resolveType(zk, f.type, name), name));
    process.stdout.write(`deleted ${path}\n`);
  }
}
