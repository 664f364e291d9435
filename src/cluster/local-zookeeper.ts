/**
 * A private ZooKeeper on loopback from Debian's `zookeeper` package: started in the foreground
 * with its own zoo.cfg (a free port, a temp data dir) and stopped by pid. `juba demo --cluster`
 * runs one; so does the test harness.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { JubaError } from '../errors.js';

export const ZK_SERVER_SH = process.env.JUBA_ZK_SERVER_SH ?? '/usr/share/zookeeper/bin/zkServer.sh';

export interface LocalZooKeeper {
  port: number;
  /** `127.0.0.1:<port>`, as passed to -z. */
  hosts: string;
  readonly pid: number;
  dir: string;
  /** Stops the server (SIGTERM, then SIGKILL) and keeps its data dir for a restart. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir. */
  restart(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

export function zooKeeperInstalled(): boolean {
  return fs.existsSync(ZK_SERVER_SH);
}

async function freeLoopbackPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function fourLetter(port: number, word: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('connect', () => s.write(word));
    s.on('data', (d) => (out += d));
    s.on('close', () => resolve(out));
    s.on('error', () => resolve(''));
    s.setTimeout(1000, () => s.destroy());
  });
}

async function waitServing(port: number, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new JubaError(`ZooKeeper exited with ${proc.exitCode}:\n${log()}`, { code: 'failed' });
    if ((await fourLetter(port, 'ruok')) === 'imok' && (await fourLetter(port, 'srvr')).includes('Mode:')) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new JubaError(`ZooKeeper did not start on port ${port} within 30 s:\n${log()}`, { code: 'failed' });
}

export async function startLocalZooKeeper(): Promise<LocalZooKeeper> {
  if (!zooKeeperInstalled()) {
    throw new JubaError(`ZooKeeper is not installed (${ZK_SERVER_SH} is missing)`, {
      code: 'not_found',
      hint: 'install it with: sudo apt-get install -y zookeeper (Debian/Ubuntu)',
    });
  }
  const port = await freeLoopbackPort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-zk-'));
  const cfg = path.join(dir, 'zoo.cfg');
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(cfg, [
    // Short ticks so that sessions of a few seconds (-Z 2) are allowed and expire quickly.
    'tickTime=500',
    'minSessionTimeout=1000',
    `dataDir=${path.join(dir, 'data')}`,
    `clientPort=${port}`,
    'clientPortAddress=127.0.0.1',
    'admin.enableServer=false',
    '4lw.commands.whitelist=ruok,srvr,stat',
    'maxClientCnxns=200',
    '',
  ].join('\n'));
  let proc!: ChildProcess;
  let log = '';
  const launch = async (): Promise<void> => {
    log = '';
    proc = spawn(ZK_SERVER_SH, ['start-foreground', cfg], {
      env: { ...process.env, ZOO_LOG_DIR: dir, ZOO_LOG4J_PROP: 'WARN,CONSOLE', JVMFLAGS: '-Xmx256m' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d) => (log += d));
    proc.stderr!.on('data', (d) => (log += d));
    await waitServing(port, proc, () => log);
  };
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    process.kill(proc.pid!, 'SIGTERM');
    const t = setTimeout(() => proc.pid && process.kill(proc.pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  try {
    await launch();
  } catch (err) {
    await stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    hosts: `127.0.0.1:${port}`,
    get pid() {
      return proc.pid!;
    },
    dir,
    stop,
    restart: launch,
    async destroy() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
