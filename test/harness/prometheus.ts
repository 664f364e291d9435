/**
 * A real Prometheus for the metrics tests: Debian's `prometheus` package on a free loopback
 * port with a temp config and data dir, scraping the given targets every second. When it is
 * not installed the test fails with the command that installs it, never skips silently.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './processes.js';
import { eventually } from './wait.js';

export const PROMETHEUS_BIN = process.env.JUBA_PROMETHEUS ?? '/usr/bin/prometheus';

export interface PrometheusInstance {
  url: string;
  /** Runs an instant query; the result vector as (labels, value) pairs. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  /** Prometheus's view of its targets: job, instance and health of each. */
  targets(): Promise<Array<{ job: string; instance: string; health: string; lastError: string }>>;
  destroy(): Promise<void>;
}

/** Starts Prometheus scraping `jobs` (job name → host:port targets) every second. */
export async function startPrometheus(jobs: Record<string, string[]>): Promise<PrometheusInstance> {
  if (!fs.existsSync(PROMETHEUS_BIN)) {
    throw new Error(`Prometheus is not installed (${PROMETHEUS_BIN}): apt-get install -y prometheus`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-prometheus-'));
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    ...Object.entries(jobs).flatMap(([job, targets]) => [
      `  - job_name: ${JSON.stringify(job)}`,
      '    static_configs:',
      `      - targets: ${JSON.stringify(targets)}`,
    ]),
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const proc: ChildProcess = spawn(PROMETHEUS_BIN, [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const destroy = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const gone = new Promise((r) => proc.once('exit', r));
      process.kill(proc.pid!, 'SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null && proc.signalCode === null) process.kill(proc.pid!, 'SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await eventually(async () => {
      if (proc.exitCode !== null) throw new Error(`prometheus exited (${proc.exitCode}):\n${log}`);
      return (await fetch(`${url}/-/ready`)).ok;
    }, 'Prometheus to be ready', 60_000);
  } catch (e) {
    await destroy();
    throw new Error(`${(e as Error).message}\n${log}`);
  }
  const api = async <T>(p: string): Promise<T> => {
    const r = await fetch(`${url}${p}`);
    const body = (await r.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${p}: ${body.error ?? r.status}`);
    return body.data;
  };
  return {
    url,
    async query(expr) {
      const data = await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
        `/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async targets() {
      const data = await api<{ activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string }> }>('/api/v1/targets');
      return data.activeTargets.map((t) => ({ job: t.labels.job!, instance: t.labels.instance!, health: t.health, lastError: t.lastError }));
    },
    destroy,
  };
}
