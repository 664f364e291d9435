import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { writeConfig } from '../../cluster/config-store.js';
import { withSession } from '../../cluster/session.js';
import { checkSegment, clusterFlags, zkFlags, zookeeperHosts } from '../../cli/cluster-flags.js';
import { checkedConfigFile } from '../../control/config-check.js';

export default class ConfigWrite extends BaseCommand {
  static override summary = "Store a cluster's config in ZooKeeper (jubaconfig -c write).";
  static override description = `The file's exact bytes go to /jubatus/config/<type>/<name>, where juba and Jubatus servers read them.
The JSON and the engine's config schema are checked first; nothing is stored when either is wrong.
Refused while any server of the cluster is registered or another user holds the config lock.
For a service of your own (juba serve --idl), pass its --idl: the type is its service name and any
JSON is accepted (the implementation reads it).`;
  static override examples = [
    '<%= config.bin %> config write -t nearest_neighbor -n sensors -f config.json -z 127.0.0.1:2181',
    '<%= config.bin %> config write --idl examples/kvs/kvs.idl -n kvs1 -f examples/kvs/config.json -z 127.0.0.1:2181',
  ];
  static override flags = {
    file: Flags.string({ char: 'f', required: true, description: 'config JSON file to store' }),
    ...clusterFlags,
    type: Flags.string({ char: 't', description: "engine type, e.g. nearest_neighbor; with --idl the service name (default: the IDL's only service)" }),
    idl: Flags.string({ description: 'IDL file of a service of your own (juba serve --idl): its config is stored under its service name' }),
    ...zkFlags,
  };

  async run(): Promise<void> {
    const { flags: f } = await this.parse(ConfigWrite);
    const hosts = zookeeperHosts(f.zookeeper);
    const name = checkSegment('name', f.name);
    const { type, bytes } = checkedConfigFile({ file: f.file, type: f.type, idl: f.idl });
    const path = await withSession(hosts, f.zookeeper_timeout, (zk) => writeConfig(zk, type, name, bytes));
    process.stdout.write(`wrote ${f.file} (${bytes.length} bytes) to ${path}\n`);
  }
}
