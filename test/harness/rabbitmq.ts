/**
 * A real RabbitMQ for queue tests: Debian's `rabbitmq-server` package, started as its own Erlang
 * node (unique node name, free loopback AMQP / distribution / epmd ports, temp mnesia and log
 * dirs) and stopped by pid, together with the epmd it started on its private port. When the
 * package is missing the test fails with the command that installs it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import { freePort } from './processes.js';

export const RABBITMQ_SERVER = process.env.JUBA_RABBITMQ_SERVER ?? '/usr/lib/rabbitmq/bin/rabbitmq-server';

export interface RabbitMqInstance {
  port: number;
  /** `amqp://guest:guest@127.0.0.1:<port>`, as passed to --amqp. */
  url: string;
  readonly pid: number;
  /** Stops the broker (its queues and persistent messages stay on disk). */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data. */
  restart(): Promise<void>;
  /** Stops the broker and its epmd, and removes its files. */
  destroy(): Promise<void>;
}

function findEpmd(): string {
  const which = spawnSync('sh', ['-c', 'command -v epmd || ls /usr/lib/erlang/erts-*/bin/epmd 2>/dev/null | head -1'], { encoding: 'utf8' });
  return which.stdout.trim().split('\n')[0] || 'epmd';
}

async function waitAmqp(url: string, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`rabbitmq-server exited with ${proc.exitCode}:\n${log()}`);
    try {
      const c = await amqp.connect(url);
      await c.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(`RabbitMQ did not accept AMQP connections at ${url} within 60 s:\n${log()}`);
}

export async function startRabbitMq(): Promise<RabbitMqInstance> {
  if (!fs.existsSync(RABBITMQ_SERVER)) {
    throw new Error(`RabbitMQ is not installed (${RABBITMQ_SERVER} missing). Install it with: sudo apt-get install -y rabbitmq-server`);
  }
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-rmq-'));
  fs.mkdirSync(path.join(dir, 'home'));
  fs.writeFileSync(path.join(dir, 'rabbitmq.conf'), [
    `listeners.tcp.default = 127.0.0.1:${port}`,
    // The test connects as guest over loopback; nothing else can reach this broker.
    'loopback_users = none',
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(dir, 'enabled_plugins'), '[].\n');
  const env = {
    ...process.env,
    HOME: path.join(dir, 'home'),
    RABBITMQ_NODENAME: `juba_test_${port}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq'),
    RABBITMQ_ADVANCED_CONFIG_FILE: path.join(dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: path.join(dir, 'rabbitmq.pid'),
    RABBITMQ_CONF_ENV_FILE: path.join(dir, 'none.env'),
  };
  let log = '';
  let proc!: ChildProcess;
  const url = `amqp://guest:guest@127.0.0.1:${port}`;
  const launch = async (): Promise<void> => {
    log = '';
    // Its own process group, so stopping it reaches the Erlang VM behind the start script.
    proc = spawn(RABBITMQ_SERVER, [], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    proc.stdout!.on('data', (d) => (log += d));
    proc.stderr!.on('data', (d) => (log += d));
    await waitAmqp(url, proc, () => log);
  };
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    try { process.kill(-proc.pid!, 'SIGTERM'); } catch { /* already gone */ }
    const t = setTimeout(() => { try { process.kill(-proc.pid!, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
    await exited;
    clearTimeout(t);
  };
  const destroy = async (): Promise<void> => {
    await stop();
    // The broker's epmd daemonizes on our private port; `epmd -kill` ends exactly that one.
    spawnSync(findEpmd(), ['-kill'], { env: { ...process.env, ERL_EPMD_PORT: String(epmdPort) }, stdio: 'ignore' });
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await launch();
  } catch (err) {
    await destroy();
    throw err;
  }
  return {
    port,
    url,
    get pid() {
      return proc.pid!;
    },
    stop,
    restart: launch,
    destroy,
  };
}
