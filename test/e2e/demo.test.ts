/**
 * `juba demo` as a newcomer runs it after `npm install`: standalone and --cluster, ended by
 * counts (--rows, --queries) so that a busy machine makes them slower, never red, and once by
 * --duration; with every process it started gone afterwards; and the clear message when
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
  const COUNTS = ['--rows', '1500', '--queries', '6', '--query-every', '100'];

  it('runs the standalone hands-on until 1500 rows were fed and 6 queries answered, and stops everything it started', async () => {
    const { summary, stderr } = await demo(COUNTS);
    expect(summary).toMatchObject({ mode: 'standalone', endedBy: 'counts reached', logDir: null });
    expect(summary.rowsFed).toBeGreaterThanOrEqual(1500);
    expect(summary.queries).toBeGreaterThanOrEqual(6);
    expect(summary.sameClusterRatio).toBeGreaterThan(0.8);
    expect(summary.processes.map((p) => p.label)).toEqual(['server']);
    for (const p of summary.processes) expect(alive(p.pid)).toBe(false);
    expect(stderr).toMatch(/from the query's cluster/);
  }, 180_000);

  it('--duration ends the demo on its own and stops everything it started', async () => {
    const { summary } = await demo(['--duration', '2']);
    expect(summary).toMatchObject({ mode: 'standalone', endedBy: 'duration reached' });
    for (const p of summary.processes) expect(alive(p.pid)).toBe(false);
  }, 120_000);

  it('--cluster runs ZooKeeper, 2 servers and a proxy, and stops them all', async () => {
    const { summary, stderr } = await demo(['--cluster', ...COUNTS]);
    expect(summary).toMatchObject({ mode: 'cluster', endedBy: 'counts reached' });
    expect(summary.processes.map((p) => p.label)).toEqual(['zookeeper', 'server1', 'server2', 'proxy']);
    expect(summary.rowsFed).toBeGreaterThanOrEqual(1500);
    expect(summary.queries).toBeGreaterThanOrEqual(6);
    expect(summary.sameClusterRatio).toBeGreaterThan(0.8);
    for (const p of summary.processes) expect(alive(p.pid)).toBe(false);
    expect(stderr).toMatch(/starting a private ZooKeeper/);
  }, 240_000);

  it('--cluster without ZooKeeper installed says what to install', async () => {
    const r = await runJubaToEnd(['demo', '--cluster', '--duration', '5'], { JUBA_ZK_SERVER_SH: '/nonexistent/zkServer.sh' });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/needs ZooKeeper, which is not installed/);
    expect(r.stderr).toMatch(/apt-get install -y zookeeper/);
  }, 30_000);
});
