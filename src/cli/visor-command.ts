/** `juba ctl start` and `juba ctl stop` differ only in the visor RPC: one class serves both. */
import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { checkSegment, resolveType, zookeeperHosts } from './cluster-flags.js';
import { withSession } from '../cluster/session.js';
import { sendToVisors, type VisorCommand, type VisorReport } from '../control/visor-control.js';
import { JubaError } from '../errors.js';

/** jubactl's options: the upper-case ones are forwarded to the servers (§9.2). */
const visorFlags = {
  zookeeper: Flags.string({ char: 'z', description: 'ZooKeeper hosts host:port[,host:port] (else $JUBA_ZK, then $ZK)' }),
  server: Flags.string({ char: 's', description: 'server program, e.g. jubanearest_neighbor (default: juba<type>)' }),
  type: Flags.string({ char: 't', description: 'engine type, e.g. classifier (default: the type of the config written for -n)' }),
  name: Flags.string({ char: 'n', required: true, description: 'cluster name' }),
  num: Flags.integer({ char: 'N', default: 0, min: 0, description: 'total servers to start (0 = one per visor)' }),
  timeout: Flags.integer({ default: 10, min: 1, description: 'seconds to wait for each visor' }),
  listen_if: Flags.string({ char: 'B', default: '', description: 'servers: interface to bind (-B)' }),
  thread: Flags.integer({ char: 'C', default: 2, min: 1, description: 'servers: threads (-c)' }),
  rpc_timeout: Flags.integer({ char: 'T', default: 10, min: 0, description: 'servers: idle-connection timeout in s (-t)' }),
  datadir: Flags.string({ char: 'D', default: '/tmp', description: 'servers: model file directory (-d)' }),
  logdir: Flags.string({ char: 'L', default: '', description: 'servers: log directory (-l)' }),
  log_config: Flags.string({ char: 'G', default: '', description: 'servers: log config file (-g)' }),
  mixer: Flags.string({ char: 'X', default: 'linear_mixer', description: 'servers: MIX strategy (-x)' }),
  interval_sec: Flags.integer({ char: 'S', default: 16, min: 0, description: 'servers: MIX every N s (-s)' }),
  interval_count: Flags.integer({ char: 'I', default: 512, min: 0, description: 'servers: MIX every N updates (-i)' }),
  zookeeper_timeout: Flags.integer({ char: 'Z', default: 10, min: 1, description: 'servers and this command: ZooKeeper session timeout in s (-Z)' }),
  interconnect_timeout: Flags.integer({ char: 'R', default: 10, min: 1, description: 'servers: server-to-server timeout in s (-I)' }),
};

/** Builds `juba ctl start` / `juba ctl stop`, which differ only in the RPC they send. */
export function visorCommand(cmd: VisorCommand, summary: string): typeof BaseCommand {
  return class extends BaseCommand {
    static override summary = summary;
    static override examples = [`<%= config.bin %> ctl ${cmd} -t nearest_neighbor -n sensors -z 127.0.0.1:2181${cmd === 'start' ? ' -N 4' : ''}`];
    static override enableJsonFlag = true;
    static override flags = visorFlags;

    async run(): Promise<VisorReport> {
      const { flags: f } = await this.parse(this.constructor as typeof BaseCommand & { flags: typeof visorFlags });
      const name = checkSegment('name', f.name);
      const report = await withSession(zookeeperHosts(f.zookeeper), f.zookeeper_timeout, async (zk) => {
        const type = await resolveType(zk, f.type, name);
        const server = f.server ?? `juba${type}`;
        if (!server || /[\s/]/.test(server)) {
          throw new JubaError(`invalid server: ${JSON.stringify(server)}`, { code: 'usage', hint: 'e.g. -s jubanearest_neighbor' });
        }
        return sendToVisors(zk, {
          cmd, server, type, name, num: f.num, timeoutMs: f.timeout * 1000,
          argv: {
            bindIf: f.listen_if, threadnum: f.thread, timeout: f.rpc_timeout, datadir: f.datadir, logdir: f.logdir,
            logConfig: f.log_config, mixer: f.mixer, intervalSec: f.interval_sec, intervalCount: f.interval_count,
            zookeeperTimeout: f.zookeeper_timeout, interconnectTimeout: f.interconnect_timeout,
          },
        });
      });
      if (!this.jsonEnabled()) {
        for (const r of report.results) {
          this.log(`sending ${cmd} / ${report.target} to ${r.visor}...${r.ok ? 'ok.' : `failed. ${r.error ?? ''}`}`);
        }
      }
      const failed = report.results.filter((r) => !r.ok).length;
      if (failed > 0) {
        throw new JubaError(`${cmd} failed on ${failed} of ${report.results.length} visors`, {
          code: failed === report.results.length ? 'failed' : 'partial',
          hint: 'see each visor\'s log (and --json) for why',
        });
      }
      return report;
    }
  };
}
