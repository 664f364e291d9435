import { BaseCommand } from '../../base-command.js';
import { configView, readConfig, type ConfigView } from '../../cluster/config-store.js';
import { withSession } from '../../cluster/session.js';
import { checkSegment, clusterFlags, resolveType, zkFlags, zookeeperHosts } from '../../cli/cluster-flags.js';

export default class ConfigRead extends BaseCommand {
  static override summary = 'Print the config stored for a cluster (jubaconfig -c read).';
  static override description = 'Prints the stored text exactly, without an added newline.';
  static override examples = [
    '<%= config.bin %> config read -t nearest_neighbor -n sensors -z 127.0.0.1:2181',
    '<%= config.bin %> config read -t nearest_neighbor -n sensors --json',
  ];
  static override enableJsonFlag = true;
  static override flags = { ...clusterFlags, ...zkFlags };

  async run(): Promise<ConfigView> {
    const { flags: f } = await this.parse(ConfigRead);
    const hosts = zookeeperHosts(f.zookeeper);
    const name = checkSegment('name', f.name);
    const stored = await withSession(hosts, f.zookeeper_timeout, async (zk) => readConfig(zk, await resolveType(zk, f.type, name), name));
    if (!this.jsonEnabled()) process.stdout.write(stored.config);
    return configView(stored);
  }
}
