/**
 * `juba demo`: the sensor hands-on on this machine with nothing to set up. Standalone: one
 * nearest_neighbor server on the hands-on config. Cluster: a private ZooKeeper (or -z), the
 * config written to it, two servers with MIX every few seconds and a proxy. Then the sensor
 * generator feeds it through `Feed` (the same path as `juba feed`), a query runs periodically
 * and is checked against the cluster each point came from, and `juba top` watches it all.
 * Everything started here is stopped when the demo ends, however it ends.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServiceClient } from '../client/service-client.js';
import { writeConfig } from '../cluster/config-store.js';
import { withSession } from '../cluster/session.js';
import { startLocalZooKeeper, type LocalZooKeeper } from '../cluster/local-zookeeper.js';
import { JubaError } from '../errors.js';
import { loadEngineDescriptor, packageRoot } from '../idl/descriptor.js';
import { resolvePort } from '../server/options.js';
import { createMapper, Feed } from '../stream/feed.js';
import { Pacer } from '../stream/pacer.js';
import { SeededRandom, SENSOR_CLUSTERS, SensorSource } from '../stream/sensor-source.js';
import { Children, stopChild, type Child } from './children.js';

export const DEMO_CLUSTER = 'demo_nn';
const ENGINE = 'nearest_neighbor';
/** The hands-on config: euclid_lsh on numeric features only, so `gp` is a label, not a feature. */
export const DEMO_CONFIG = path.join(packageRoot(), 'config', ENGINE, 'sensor.json');
const IN_FLIGHT = 32;
const REPORT_EVERY_MS = 5000;
const NEIGHBOURS = 5;

export interface DemoOptions {
  cluster: boolean;
  /** Cluster mode: an existing ZooKeeper instead of a private one. */
  zookeeper?: string;
  speed: number;
  queryEveryMs: number;
  /** Port of the server (standalone) or proxy (cluster) that clients use; 0 = a free one. */
  port: number;
  seed: number;
  /** Run `juba top` in this terminal (progress lines then go to the demo log). */
  dashboard: boolean;
  /** Keep the logs directory afterwards. */
  keep: boolean;
  say(line: string): void;
  /** Resolves when the demo should end (duration, Ctrl-C). */
  until: Promise<string>;
  /**
   * End once this many rows were fed (and `queries` answered): a run bounded by work, not by
   * the clock. The feed stops at this count.
   */
  rows?: number;
  /** End once this many queries were answered (and `rows` fed). */
  queries?: number;
}

export interface DemoSummary {
  mode: 'standalone' | 'cluster';
  entry: string;
  zookeeper?: string;
  rowsFed: number;
  queries: number;
  neighbours: number;
  sameCluster: number;
  /** Of the neighbours returned (the row itself excluded), the share from the query's cluster. */
  sameClusterRatio: number | null;
  seconds: number;
  endedBy: string;
  processes: Array<{ label: string; pid: number }>;
  logDir: string | null;
}

export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const started = Date.now();
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-demo-'));
  const children = new Children(logDir);
  const demoLog = fs.createWriteStream(path.join(logDir, 'demo.log'));
  let quiet = false;
  const say = (line: string): void => {
    demoLog.write(`${line}\n`);
    if (!quiet) o.say(line);
  };
  const service = loadEngineDescriptor(ENGINE);
  let zk: LocalZooKeeper | undefined;
  let client: ServiceClient | undefined;
  let endedBy = 'error';
  const stats = { fed: 0, queries: 0, neighbours: 0, same: 0 };
  try {
    const entryPort = await resolvePort(o.port, '127.0.0.1');
    let topArgs: string[];
    let zkHosts: string | undefined;
    if (!o.cluster) {
      say(`starting a ${ENGINE} server on 127.0.0.1:${entryPort} (config ${path.relative(process.cwd(), DEMO_CONFIG) || DEMO_CONFIG})`);
      const server = children.start('server', ['serve', ENGINE, '-f', DEMO_CONFIG, '-p', String(entryPort), '-b', '127.0.0.1', '-d', logDir]);
      await children.waitAnswering(server, service, entryPort);
      topArgs = ['top', '--server', `127.0.0.1:${entryPort}`];
    } else {
      if (o.zookeeper) zkHosts = o.zookeeper;
      else {
        say('starting a private ZooKeeper on loopback');
        try {
          zk = await startLocalZooKeeper();
        } catch (err) {
          if (err instanceof JubaError && err.code === 'not_found') {
            throw new JubaError('juba demo --cluster needs ZooKeeper, which is not installed', {
              code: 'not_found',
              hint: 'install it with `sudo apt-get install -y zookeeper` (Debian/Ubuntu), or pass -z HOST:PORT of a running ZooKeeper; `juba demo` without --cluster needs nothing',
            });
          }
          throw err;
        }
        zkHosts = zk.hosts;
      }
      say(`ZooKeeper ${zkHosts}: writing the ${ENGINE} config of cluster ${DEMO_CLUSTER}`);
      await withSession(zkHosts, 10, (c) => writeConfig(c, ENGINE, DEMO_CLUSTER, fs.readFileSync(DEMO_CONFIG)));
      const serverPorts = [await resolvePort(0, '127.0.0.1'), await resolvePort(0, '127.0.0.1')];
      const servers = serverPorts.map((p, i) => children.start(`server${i + 1}`, [
        'serve', ENGINE, '-z', zkHosts!, '-n', DEMO_CLUSTER, '-p', String(p), '-b', '127.0.0.1', '-d', logDir,
        '-s', '5', '-i', '0', '-Z', '5',
      ]));
      say(`starting 2 servers (127.0.0.1:${serverPorts.join(', 127.0.0.1:')}) that MIX every 5 s, and a proxy on 127.0.0.1:${entryPort}`);
      await Promise.all(servers.map((s, i) => children.waitAnswering(s, service, serverPorts[i]!)));
      const proxy = children.start('proxy', ['serve', ENGINE, '--proxy', '-z', zkHosts, '-p', String(entryPort), '-b', '127.0.0.1', '-Z', '5']);
      await children.waitAnswering(proxy, service, entryPort, { proxy: true });
      topArgs = ['top', '-z', zkHosts, '-t', ENGINE, '-n', DEMO_CLUSTER];
    }
    client = new ServiceClient(service, { host: '127.0.0.1', port: entryPort, name: DEMO_CLUSTER, timeoutMs: 10_000 });
    say(`feeding the sensor stream (${SENSOR_CLUSTERS} clusters, seed ${o.seed}) at ${o.speed > 0 ? `${o.speed} rows/s` : 'full speed'}; querying similar_row_from_id every ${o.queryEveryMs} ms`);
    say(`try it yourself meanwhile: juba call -s 127.0.0.1:${entryPort} -n ${DEMO_CLUSTER} similar_row_from_id 0 5`);

    let stopping = false;
    let dashboard: Child | undefined;
    const ended: Array<Promise<string>> = [o.until];
    if (o.dashboard) {
      quiet = true;
      dashboard = children.start('top', [...topArgs, '--interval', '1000'], { inheritStdio: true });
      ended.push(dashboard.exited.then(() => 'dashboard closed'));
    }
    const fedClusters = new Map<string, string>();
    let progress = (): void => undefined;
    if (o.rows !== undefined || o.queries !== undefined) {
      ended.push(new Promise<string>((resolve) => {
        progress = () => {
          if (stats.fed >= (o.rows ?? 0) && stats.queries >= (o.queries ?? 0)) resolve('counts reached');
        };
      }));
    }
    const feedDone = feedLoop(client, o, stats, fedClusters, () => stopping, () => progress());
    const queryDone = queryLoop(client, o, stats, fedClusters, () => stopping, say, () => progress());
    const reporter = setInterval(() => {
      const ratio = stats.neighbours ? `${stats.same}/${stats.neighbours} neighbours from the query's cluster` : 'no neighbours yet';
      say(`${((Date.now() - started) / 1000).toFixed(0)} s · fed ${stats.fed} rows · ${stats.queries} queries · ${ratio}`);
    }, REPORT_EVERY_MS);
    endedBy = await Promise.race(ended);
    stopping = true;
    clearInterval(reporter);
    if (dashboard) await stopChild(dashboard);
    quiet = false;
    await Promise.all([feedDone, queryDone]);
    const ratio = stats.neighbours ? stats.same / stats.neighbours : null;
    return {
      mode: o.cluster ? 'cluster' : 'standalone',
      entry: `127.0.0.1:${entryPort}`,
      ...(zkHosts ? { zookeeper: zkHosts } : {}),
      rowsFed: stats.fed,
      queries: stats.queries,
      neighbours: stats.neighbours,
      sameCluster: stats.same,
      sameClusterRatio: ratio === null ? null : Math.round(ratio * 1000) / 1000,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      endedBy,
      processes: [
        ...(zk ? [{ label: 'zookeeper', pid: zk.pid }] : []),
        ...children.list.map((c) => ({ label: c.label, pid: c.pid })),
      ],
      logDir: o.keep ? logDir : null,
    };
  } finally {
    quiet = false;
    client?.close();
    await children.stopAll();
    await zk?.destroy();
    await new Promise((r) => demoLog.end(r));
    if (!o.keep) fs.rmSync(logDir, { recursive: true, force: true });
    else say(`logs kept in ${logDir}`);
  }
}

/** The generator through Feed: throttled to --speed, at most IN_FLIGHT rows in flight. */
async function feedLoop(
  client: ServiceClient, o: DemoOptions, stats: { fed: number }, fedClusters: Map<string, string>, stopping: () => boolean,
  progress: () => void = () => undefined,
): Promise<void> {
  const feed = new Feed({ map: createMapper(client.service, 'set_row'), apply: (args) => client.call('set_row', ...args), retryForMs: 30_000 });
  const source = new SensorSource({ seed: o.seed });
  const running = new Set<Promise<void>>();
  const pacer = new Pacer(o.speed);
  while (!stopping()) {
    // With --rows the feed ends at that count (rows in flight may take it a little past).
    if (o.rows !== undefined && stats.fed >= o.rows) {
      if (running.size === 0) break;
      await Promise.race(running);
      continue;
    }
    await pacer.next();
    if (stopping()) break;
    const [id, datum] = source.next();
    const p = feed.process(JSON.stringify([id, datum])).then((outcome) => {
      if (outcome.kind === 'applied') {
        stats.fed++;
        fedClusters.set(id, datum.gp);
        progress();
      }
    }).finally(() => running.delete(p));
    running.add(p);
    if (running.size >= IN_FLIGHT) await Promise.race(running);
  }
  feed.stop();
  await Promise.all([...running]);
}

async function queryLoop(
  client: ServiceClient, o: DemoOptions, stats: { queries: number; neighbours: number; same: number },
  fedClusters: ReadonlyMap<string, string>, stopping: () => boolean, say: (l: string) => void,
  progress: () => void = () => undefined,
): Promise<void> {
  const rng = new SeededRandom(o.seed ^ 0x5eed);
  let lastShown = 0;
  while (!stopping()) {
    await new Promise((r) => setTimeout(r, o.queryEveryMs));
    if (stopping() || fedClusters.size === 0) continue;
    const id = String(rng.below(fedClusters.size));
    const gp = fedClusters.get(id);
    if (gp === undefined) continue;
    try {
      const hits = (await client.call('similar_row_from_id', id, NEIGHBOURS)) as Array<[string, number]>;
      stats.queries++;
      progress();
      const others = hits.filter(([h]) => h !== id);
      stats.neighbours += others.length;
      const same = others.filter(([h]) => fedClusters.get(h) === gp).length;
      stats.same += same;
      if (Date.now() - lastShown >= REPORT_EVERY_MS) {
        lastShown = Date.now();
        const list = others.map(([h, s]) => `${h} (${fedClusters.get(h) ?? '?'}, ${s.toFixed(3)})`).join(', ');
        say(`query similar_row_from_id("${id}", ${NEIGHBOURS}), a point of cluster ${gp}: ${same} of ${others.length} neighbours from it — ${list || 'none yet'}`);
      }
    } catch (err) {
      if (!stopping()) say(`query failed: ${(err as Error).message}`);
    }
  }
}
