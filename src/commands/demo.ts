import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { StopRequest } from '../cli/stop-request.js';
import { DEMO_CLUSTER, runDemo, type DemoSummary } from '../demo/run-demo.js';

export default class Demo extends BaseCommand {
  static override summary = 'Run the sensor hands-on on this machine: a server (or a cluster), the generator feeding it, queries, and juba top.';
  static override description = `Standalone (the default): one nearest_neighbor server on the hands-on config, nothing to install.
--cluster: a private ZooKeeper from Debian's zookeeper package (or -z), the config written to it,
two servers that MIX every 5 s and a proxy (cluster name ${DEMO_CLUSTER}).
The sensor generator (27 Gaussian clusters in 3-D) feeds it, a query runs every --query-every ms
and is checked against the cluster each point came from, and on a terminal \`juba top\` shows it
live (q ends the demo). Without a terminal, or with --no-dashboard, progress lines are printed.
Ends after --duration seconds, once --rows were fed and --queries answered, or on Ctrl-C; every process it started is stopped.`;

  static override examples = [
    '<%= config.bin %> demo',
    '<%= config.bin %> demo --cluster --duration 60',
    '<%= config.bin %> demo --duration 20 --no-dashboard --json',
  ];

  static override enableJsonFlag = true;

  static override flags = {
    cluster: Flags.boolean({ default: false, description: 'run the distributed version: ZooKeeper, 2 servers, a proxy, MIX' }),
    zookeeper: Flags.string({ char: 'z', description: 'with --cluster: use this ZooKeeper (host:port) instead of starting one', dependsOn: ['cluster'] }),
    duration: Flags.integer({ char: 'd', min: 1, description: 'end after this many seconds (default: run until Ctrl-C or q)' }),
    rows: Flags.integer({ min: 1, description: 'end once this many rows were fed (and --queries answered); the feed stops there' }),
    queries: Flags.integer({ min: 1, description: 'end once this many queries were answered (and --rows fed)' }),
    speed: Flags.integer({ default: 200, min: 0, description: 'rows fed per second (0 = as fast as the server takes them)' }),
    'query-every': Flags.integer({ default: 500, min: 50, description: 'ms between similar_row_from_id queries' }),
    port: Flags.integer({ char: 'p', default: 0, min: 0, max: 65535, description: 'port of the server (standalone) or proxy (cluster) for your own clients; 0 = a free one' }),
    seed: Flags.integer({ default: 1, description: 'seed of the sensor stream' }),
    dashboard: Flags.boolean({ default: true, allowNo: true, description: 'show juba top in this terminal (only on a terminal)' }),
    keep: Flags.boolean({ default: false, description: 'keep the logs of every process afterwards (their directory is printed)' }),
  };

  async run(): Promise<DemoSummary> {
    const { flags: f } = await this.parse(Demo);
    const dashboard = f.dashboard && !this.jsonEnabled() && Boolean(process.stdout.isTTY && process.stdin.isTTY);
    const stop = new StopRequest();
    stop.after(f.duration, 'duration reached');
    const say = (line: string): void => {
      process.stderr.write(`${line}\n`);
    };
    try {
      const summary = await runDemo({
        cluster: f.cluster, zookeeper: f.zookeeper, speed: f.speed, queryEveryMs: f['query-every'], port: f.port,
        seed: f.seed, dashboard, keep: f.keep, say, until: stop.stopped, rows: f.rows, queries: f.queries,
      });
      if (!this.jsonEnabled()) {
        const ratio = summary.sameClusterRatio === null ? 'no neighbours returned'
          : `${(summary.sameClusterRatio * 100).toFixed(1)}% of ${summary.neighbours} neighbours from the query's own cluster`;
        this.log(`demo (${summary.mode}) ended: ${summary.endedBy} after ${summary.seconds} s`);
        this.log(`fed ${summary.rowsFed} rows to ${summary.entry}; ${summary.queries} queries, ${ratio}`);
        this.log(`stopped ${summary.processes.map((p) => `${p.label} (pid ${p.pid})`).join(', ')}`);
      }
      return summary;
    } finally {
      stop.dispose();
    }
  }
}
