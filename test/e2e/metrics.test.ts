/**
 * `--metrics_port` with a real Prometheus: a 2-server cluster and a proxy, each with its own
 * /metrics, scraped every second while `juba feed` loads the cluster through the proxy.
 * Prometheus's HTTP API must show a non-zero request rate and MIX rounds for both servers.
 * Then the bad inputs: a taken metrics port stops a server before it registers, and a server
 * that lost ZooKeeper still answers /metrics and shows that.
 *
 * Nothing is timed: each step waits for its condition (bounded only so a broken build fails).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as P from '../../src/cluster/paths.js';
import { Zk } from '../../src/cluster/zk.js';
import { writeHandsOnConfig } from '../harness/cluster.js';
import { freePort, killStarted, runJuba, runJubaToEnd, type JubaProcess } from '../harness/processes.js';
import { startPrometheus, type PrometheusInstance } from '../harness/prometheus.js';
import { eventually } from '../harness/wait.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const NAME = 'metrics_nn';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-metrics-'));
let zk: ZooKeeperInstance;
let prom: PrometheusInstance | undefined;

interface Role { p: JubaProcess; port: number; metricsPort: number }
const servers: Role[] = [];
let proxy: Role;

async function start(args: string[], ready: RegExp): Promise<Role> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const p = runJuba(['serve', 'nearest_neighbor', ...args, '-z', zk.hosts, '-p', String(port), '-b', '127.0.0.1', '--metrics_port', String(metricsPort)]);
  await p.waitForLog(ready, 60_000);
  return { p, port, metricsPort };
}

const startServer = (): Promise<Role> => start(['-n', NAME, '-d', tmp, '-Z', '3', '-s', '1', '-i', '50'], /juba server started/);
const get = async (port: number, what: string): Promise<{ status: number; text: string }> => {
  const r = await fetch(`http://127.0.0.1:${port}${what}`);
  return { status: r.status, text: await r.text() };
};

beforeAll(async () => {
  zk = await startZooKeeper();
  await writeHandsOnConfig(zk.hosts, tmp, [NAME]);
  servers.push(...(await Promise.all([startServer(), startServer()])));
  proxy = await start(['--proxy', '-Z', '3'], /juba proxy started/);
}, 180_000);

afterAll(async () => {
  killStarted();
  await prom?.destroy();
  await zk?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('--metrics_port', () => {
  it('serves /healthz (200 once registered) and /metrics in the Prometheus text format', async () => {
    for (const r of [...servers, proxy]) {
      await eventually(async () => (await get(r.metricsPort, '/healthz')).status === 200, `healthz of :${r.metricsPort}`);
      const m = await get(r.metricsPort, '/metrics');
      expect(m.status).toBe(200);
      expect(m.text).toMatch(/^# HELP process_cpu_user_seconds_total/m);
      expect(m.text).toMatch(/^nodejs_heap_size_used_bytes/m);
    }
    const s = (await get(servers[0]!.metricsPort, '/metrics')).text;
    for (const name of ['juba_updates_total', 'juba_analyses_total', 'juba_model_rows', 'juba_mix_rounds_total', 'juba_mix_bytes_total',
      'juba_mix_failures_total', 'juba_mix_round_duration_seconds', 'juba_zookeeper_session_state', 'juba_zookeeper_session_renewals_total']) {
      expect(s).toContain(`# TYPE ${name} `);
    }
    expect(s).toMatch(/^juba_zookeeper_session_state\{state="connected",engine="nearest_neighbor"\} 1$/m);
    expect((await get(proxy.metricsPort, '/metrics')).text).toContain('# TYPE juba_proxy_cluster_members gauge');
    expect((await get(servers[0]!.metricsPort, '/nope')).status).toBe(404);
  });

  it('is scraped by a real Prometheus: request rate and MIX rounds of both servers, the proxy forwards', async () => {
    prom = await startPrometheus({
      'juba-server': servers.map((s) => `127.0.0.1:${s.metricsPort}`),
      'juba-proxy': [`127.0.0.1:${proxy.metricsPort}`],
    });
    const file = path.join(tmp, 'rows.jsonl');
    fs.writeFileSync(file, `${Array.from({ length: 400 }, (_, i) => JSON.stringify([`r${i}`, { x: i % 17, y: i % 5, z: 1 }])).join('\n')}\n`);

    // juba feed loads the cluster through the proxy, one bounded file at a time, until
    // Prometheus has seen what we look for (at most 50 files).
    let satisfied = false;
    const feeding = (async () => {
      for (let run = 0; run < 50 && !satisfied; run++) {
        const r = await runJubaToEnd(['feed', '-f', file, '-s', `127.0.0.1:${proxy.port}`, '-n', NAME, '-t', 'nearest_neighbor', '--json']);
        if (r.code !== 0) throw new Error(`juba feed failed (${r.code}): ${r.stderr}`);
      }
    })();

    const perServer = async (expr: string): Promise<Map<string, number>> =>
      new Map((await prom!.query(expr)).map((r) => [r.metric.instance!, r.value]));
    const instances = servers.map((s) => `127.0.0.1:${s.metricsPort}`);
    const bothPositive = (m: Map<string, number>): boolean => instances.every((i) => (m.get(i) ?? 0) > 0);
    try {
      await eventually(async () => {
        const rate = await perServer('sum by (instance) (rate(juba_rpc_requests_total{job="juba-server"}[15s]))');
        const mix = await perServer('sum by (instance) (juba_mix_rounds_total{job="juba-server"})');
        const fwd = await prom!.query('sum(juba_proxy_forwards_total{job="juba-proxy"})');
        return bothPositive(rate) && bothPositive(mix) && (fwd[0]?.value ?? 0) > 0;
      }, 'Prometheus to report a request rate and MIX rounds for both servers', 180_000, 1000);
    } finally {
      satisfied = true;
      await feeding;
    }
    const targets = await prom.targets();
    expect(targets).toHaveLength(3);
    expect(targets.every((t) => t.health === 'up')).toBe(true);
    const members = await prom.query(`juba_proxy_cluster_members{cluster="${NAME}"}`);
    expect(members.map((m) => m.value)).toEqual([2]);
    const set = await prom.query('sum by (instance) (juba_rpc_requests_total{job="juba-server",method="set_row",outcome="ok"})');
    expect(set).toHaveLength(2);
    expect(set.every((s) => s.value > 0)).toBe(true);
  }, 300_000);

  it('juba visor serves its children and restarts', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const v = runJuba(['visor', '-z', zk.hosts, '-p', String(port), '-b', '127.0.0.1', '-l', tmp, '--metrics_port', String(metricsPort)]);
    await v.waitForLog(/juba visor started/, 60_000);
    await eventually(async () => (await get(metricsPort, '/healthz')).status === 200, 'the visor\'s healthz');
    const text = (await get(metricsPort, '/metrics')).text;
    expect(text).toMatch(/^juba_visor_children 0$/m);
    expect(text).toMatch(/^juba_visor_restarts_total 0$/m);
    await v.stop();
  }, 90_000);

  it('a taken metrics port stops the server with a message naming it, before it registers', async () => {
    const taken = servers[0]!.metricsPort;
    const port = await freePort();
    const r = await runJubaToEnd(['serve', 'nearest_neighbor', '-z', zk.hosts, '-n', NAME, '-p', String(port), '-b', '127.0.0.1', '--metrics_port', String(taken)]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`metrics port ${taken} is in use`);
    expect(r.stderr).not.toMatch(/juba server started/);
    const session = await Zk.connect(zk.hosts, { sessionTimeoutMs: 5000 });
    try {
      expect(await session.getChildren(P.nodes('nearest_neighbor', NAME))).not.toContain(`127.0.0.1_${port}`);
    } finally {
      await session.close();
    }
  }, 60_000);

  it('a server that lost ZooKeeper still answers /metrics and shows the session state', async () => {
    await zk.stop();
    const port = servers[0]!.metricsPort;
    await eventually(async () => {
      const m = await get(port, '/metrics');
      return m.status === 200 && /^juba_zookeeper_session_state\{state="(disconnected|expired)",engine="nearest_neighbor"\} 1$/m.test(m.text);
    }, '/metrics to show the lost session', 60_000);
    await zk.restart();
  }, 120_000);
});
