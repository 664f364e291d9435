import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { listConfigs, withZk, zookeeperHosts, type StoredConfig } from '../../cluster/config-store.js';
import { engineFactory } from '../../engine/registry.js';
import { JubaError } from '../../errors.js';

// Shared by the other `juba config` commands. They live here, not in a helper module, because
// oclif would take any extra file under commands/ for a command.

/** -z / --zookeeper_timeout, as jubaconfig and the servers spell them. */
export const zkFlags = {
  zookeeper: Flags.string({ char: 'z', description: 'ZooKeeper hosts host:port[,host:port] (else $JUBA_ZK, then $ZK)' }),
  zookeeper_timeout: Flags.integer({ default: 10, min: 1, description: 'seconds to wait for ZooKeeper (also the session timeout)' }),
};

/** -t / -n, naming one cluster. */
export const clusterFlags = {
  type: Flags.string({ char: 't', required: true, description: 'engine type, e.g. nearest_neighbor (or the server name jubanearest_neighbor)' }),
  name: Flags.string({ char: 'n', required: true, description: 'cluster name' }),
};

/** Rejects names that would not map to one znode. */
export function checkSegment(what: string, value: string): string {
  if (!value || value.includes('/')) {
    throw new JubaError(`invalid ${what}: ${JSON.stringify(value)}`, {
      code: 'usage',
      hint: `the ${what} becomes one ZooKeeper node name: non-empty, without '/'`,
    });
  }
  return value;
}

/**
 * The type as stored in ZooKeeper. Engines juba serves come back canonical from the registry;
 * other Jubatus types (configs written by jubaconfig for a classifier, say) are kept, minus a
 * `juba` server-name prefix, so juba can still read and delete them.
 */
export function storedType(t: string): string {
  try {
    return engineFactory(t).type;
  } catch {
    return checkSegment('type', t.startsWith('juba') ? t.slice(4) : t);
  }
}

export interface ConfigView {
  type: string;
  name: string;
  path: string;
  /** The config parsed as JSON; null when the stored text is not JSON. */
  config: unknown;
  /** The stored text, exactly. */
  text: string;
}

export function configView(c: StoredConfig): ConfigView {
  let config: unknown = null;
  try {
    config = JSON.parse(c.config);
  } catch {
    // Someone stored a non-JSON text; `text` still shows it.
  }
  return { type: c.type, name: c.name, path: c.path, config, text: c.config };
}

export default class ConfigList extends BaseCommand {
  static override summary = 'List every config stored in ZooKeeper (jubaconfig -c list).';
  static override examples = ['<%= config.bin %> config list -z 127.0.0.1:2181', '<%= config.bin %> config list --json'];
  static override enableJsonFlag = true;
  static override flags = { ...zkFlags };

  async run(): Promise<ConfigView[]> {
    const { flags: f } = await this.parse(ConfigList);
    const hosts = zookeeperHosts(f.zookeeper);
    const configs = await withZk(hosts, f.zookeeper_timeout, (zk) => listConfigs(zk));
    if (!this.jsonEnabled()) {
      for (const c of configs) {
        process.stdout.write(`type: ${c.type}, name: ${c.name}\n${c.config}${c.config.endsWith('\n') ? '' : '\n'}\n`);
      }
      if (configs.length === 0) process.stderr.write(`no configs stored in ZooKeeper at ${hosts}\n`);
    }
    return configs.map(configView);
  }
}
