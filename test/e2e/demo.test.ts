/**
 * `juba demo` as a newcomer runs it after `npm install`: standalone and --cluster, ended by
 * --duration, with every process it started gone afterwards; and the clear message when
 * ZooKeeper is missing for --cluster.
 */
import { describe, expect, it } from 'vitest';
import type { DemoSummary } from '../../src/demo/run-demo.js';
import { alive, runJubaToEnd } from '../harness/processes.js';

async function demo(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | string; summary: DemoSummary; stderr: string }> {
  const r = await runJubaToEnd(['demo', ...args, '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return { code: r.code, summary: JSON.parse(r.stdout) as DemoSummary, stderr: r.stderr };
}

describe('juba demo', () => {
  it('--duration 20 runs the standalone hands-on and stops everything it started', async () => {
    const { summary, stderr } = await demo(['--duration', '20']);
    expect(summary).toMatchObject({ mode: 'standalone', endedBy: 'duration reached', logDir: null });
    expect(summary.rowsFed).toBeGreaterThan(1000);
    expect(summary.queries).toBeGreaterThan(5);
    expect(summary.sameClusterRatio).toBeGreaterThan(0.8);
    expect(summary.processes.map((p) => p.label)).toEqual(['server']);
    for (const p of summary.processes) expect(alive(p.pid)).toBe(false);
    expect(stderr).toMatch(/from the query's cluster/);
  }, 60_000);

  it('--cluster runs ZooKeeper, 2 servers and a proxy, and stops them all', async () => {
    const { summary, stderr } = await demo(['--cluster', '--duration', '20']);
    expect(summary).toMatchObject({ mode: 'cluster', endedBy: 'duration reached' });
    expect(summary.processes.map((p) => p.label)).toEqual(['zookeeper', 'server1', 'server2', 'proxy']);
    expect(summary.rowsFed).toBeGreaterThan(1000);
    expect(summary.sameClusterRatio).toBeGreaterThan(0.8);
    for (const p of summary.processes) expect(alive(p.pid)).toBe(false);
    expect(stderr).toMatch(/starting a private ZooKeeper/);
  }, 90_000);

  it('--cluster without ZooKeeper installed says what to install', async () => {
    const r = await runJubaToEnd(['demo', '--cluster', '--duration', '5'], { JUBA_ZK_SERVER_SH: '/nonexistent/zkServer.sh' });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/needs ZooKeeper, which is not installed/);
    expect(r.stderr).toMatch(/apt-get install -y zookeeper/);
  }, 30_000);
});
