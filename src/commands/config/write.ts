import fs from 'node:fs';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { writeConfig } from '../../cluster/config-store.js';
import { withSession } from '../../cluster/session.js';
import { checkSegment, clusterFlags, zkFlags, zookeeperHosts } from '../../cli/cluster-flags.js';
import { engineFactory } from '../../engine/registry.js';
import { ConfigError, JubaError } from '../../errors.js';
import { parseJsonText } from '../../server/json-config.js';
import { loadUserDescriptor } from '../../server/user-service.js';

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
    const type = f.idl ? loadUserDescriptor(f.idl, f.type).name : engineType(f.type);
    const name = checkSegment('name', f.name);
    const bytes = readFile(f.file);
    const json = checkJson(type, f.file, bytes);
    if (!f.idl) checkEngineConfig(type, f.file, json);
    const path = await withSession(hosts, f.zookeeper_timeout, (zk) => writeConfig(zk, type, name, bytes));
    process.stdout.write(`wrote ${f.file} (${bytes.length} bytes) to ${path}\n`);
  }
}

function readFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new JubaError(`can't read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      code: 'not_found',
      hint: 'check the path given to -f/--file',
    });
  }
}

function engineType(t: string | undefined): string {
  if (!t) {
    throw new JubaError('name the engine with -t, or give --idl for a service of your own', {
      code: 'usage',
      hint: 'e.g. juba config write -t nearest_neighbor -n NAME -f config.json',
    });
  }
  try {
    return engineFactory(t).type;
  } catch (e) {
    if (!(e instanceof JubaError)) throw e;
    throw new JubaError(e.message, { code: e.code, hint: `${e.hint ?? ''}; for a service of your own pass --idl <file.idl>` });
  }
}

/** Everything a server would refuse at startup is refused here, before anything is stored. */
function checkJson(type: string, file: string, bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  if (text.trim() === '') {
    throw new JubaError(`config is empty: ${file}`, { code: 'usage', hint: `put the ${type} JSON config in the file ({} when it needs none)` });
  }
  return parseJsonText(text, file);
}

function checkEngineConfig(type: string, file: string, json: unknown): void {
  try {
    engineFactory(type).create(json, { owner: 'config-check' });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new JubaError(`invalid ${type} config in ${file}: ${e.message}`, {
      code: 'usage',
      hint: `fix ${e.path ? `the key ${e.path}` : 'the config'}; nothing was stored`,
    });
  }
}
