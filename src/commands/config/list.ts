import { BaseCommand } from '../../base-command.js';
import { configView, listConfigs, type ConfigView } from '../../cluster/config-store.js';
import { withSession } from '../../cluster/session.js';
import { zkFlags, zookeeperHosts } from '../../cli/cluster-flags.js';

export default class ConfigList extends BaseCommand {
  static override summary = 'List every config stored in ZooKeeper (jubaconfig -c list).';
  static override examples = ['<%= config.bin %> config list -z 127.0.0.1:2181', '<%= config.bin %> config list --json'];
  static override enableJsonFlag = true;
  static override flags = { ...zkFlags };

  async run(): Promise<ConfigView[]> {
    const { flags: f } = await this.parse(ConfigList);
    const hosts = zookeeperHosts(f.zookeeper);
    const configs = await withSession(hosts, f.zookeeper_timeout, (zk) => listConfigs(zk));
    if (!this.jsonEnabled()) {
      for (const c of configs) {
        process.stdout.write(`type: ${c.type}, name: ${c.name}\n${c.config}${c.config.endsWith('\n') ? '' : '\n'}\n`);
      }
      if (configs.length === 0) process.stderr.write(`no configs stored in ZooKeeper at ${hosts}\n`);
    }
    return configs.map(configView);
  }
}
