import fs from 'node:fs';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { zookeeperHosts } from '../cli/cluster-flags.js';
import { JubaError } from '../errors.js';
import { createLogger } from '../logger.js';
import { advertisedAddress, bindAddress } from '../server/options.js';
import { Visor } from '../server/visor.js';

export default class VisorCommand extends BaseCommand {
  static override summary = 'Run a visor (jubavisor): starts and stops engine servers on this host when `juba ctl start/stop` (or jubactl) asks.';
  static override description = `Registers /jubatus/supervisors/<ip>_<port> and serves jubavisor's start/stop RPCs.
Servers get ports port+1 … port+16; each one's output goes to <logdir>/juba<engine>.<name>.<ip>_<port>.log.
A server that crashes is restarted (1 s, 2 s, … at most 30 s apart). SIGTERM stops every server it started.`;

  static override examples = [
    '<%= config.bin %> visor -z 127.0.0.1:2181',
    '<%= config.bin %> visor -z zk1:2181,zk2:2181 -p 9198 -l /var/log/juba -b 10.0.0.5',
  ];

  static override flags = {
    'rpc-port': Flags.integer({ char: 'p', default: 9198, min: 1, max: 65535 - 16, description: 'port to listen on; servers get the next 16' }),
    zookeeper: Flags.string({ char: 'z', description: 'ZooKeeper hosts host:port[,host:port] (else $JUBA_ZK, then $ZK)' }),
    listen_addr: Flags.string({ char: 'b', default: '', description: 'address to bind and advertise (default: the first non-loopback IPv4)' }),
    logdir: Flags.string({ char: 'l', default: '/tmp', description: 'directory for the servers\' output logs' }),
    zookeeper_timeout: Flags.integer({ char: 'Z', default: 10, min: 1, description: 'ZooKeeper session timeout (s); on session loss every server is stopped (jubavisor: 1024)' }),
    metrics_port: Flags.string({ default: '-', description: 'serve Prometheus /metrics and /healthz over HTTP on this port (- = off)' }),
    timeout: Flags.integer({ char: 't', default: 10, description: 'accepted for jubavisor compatibility; unused (as in jubavisor)' }),
  };

  async run(): Promise<void> {
    const { flags: f } = await this.parse(VisorCommand);
    const logdir = path.resolve(f.logdir);
    try {
      fs.accessSync(logdir, fs.constants.W_OK);
    } catch (e) {
      throw new JubaError(`can't use logdir: ${logdir} (${(e as Error).message})`, { code: 'usage', hint: 'create it or pass a writable -l' });
    }
    const logger = createLogger({ base: { prog: 'juba visor' } });
    const addr = { listenAddr: f.listen_addr, listenIf: '' };
    // Bound before the visor registers: a taken port stops here. prom-client loads only now.
    const metricsMod = f.metrics_port === '-' || f.metrics_port === '' ? undefined : await import('../server/metrics.js');
    const metricsPort = metricsMod?.parseMetricsPort(f.metrics_port);
    const metrics = metricsMod && metricsPort !== undefined ? await metricsMod.startMetricsEndpoint(metricsPort, bindAddress(addr), logger) : undefined;
    const visor = await Visor.start({
      zookeeper: zookeeperHosts(f.zookeeper), port: f['rpc-port'], address: advertisedAddress(addr),
      bindAddress: bindAddress(addr), logdir, zookeeperTimeoutSec: f.zookeeper_timeout, logger,
    });
    if (metrics) metricsMod!.instrumentVisor(metrics, visor);
    await new Promise<void>((resolve) => {
      let stopping = false;
      const onSignal = (sig: NodeJS.Signals): void => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal: sig }, 'stopping every server this visor started');
        void visor.close().then(() => resolve());
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      visor.once('lost', () => {
        void visor.close().then(() => {
          logger.flush();
          process.exit(1);
        });
      });
    });
    logger.info('juba visor stopped');
    logger.flush();
    process.exit(0);
  }
}
