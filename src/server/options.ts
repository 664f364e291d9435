/** Server options with Jubatus's names and defaults (framework spec §2), and the derived address. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JubaError } from '../errors.js';

export const MIXERS = ['linear_mixer', 'random_mixer', 'broadcast_mixer', 'skip_mixer'] as const;
export type MixerName = (typeof MIXERS)[number];

/** What every RPC host (engine server, proxy) is started with. */
export interface HostOptions {
  rpcPort: number;
  listenAddr: string;
  listenIf: string;
  /** `threadnum` in status (a server caps it by what its engine can use). */
  thread: number;
  /** Idle-connection timeout (s), 0 = off. */
  timeout: number;
  logdir: string;
  logConfig: string;
  /** Largest msgpack-rpc request accepted (bytes). */
  maxFrameBytes: number;
}

/** The defaults the engine server and the proxy share (their --thread defaults differ). */
export const HOST_DEFAULTS: Omit<HostOptions, 'thread'> = {
  rpcPort: 9199,
  listenAddr: '',
  listenIf: '',
  timeout: 10,
  logdir: '',
  logConfig: '',
  maxFrameBytes: 64 * 1024 * 1024,
};

export interface ServerOptions extends HostOptions {
  datadir: string;
  configpath: string;
  modelFile: string;
  daemon: boolean;
  configTest: boolean;
  zookeeper: string;
  name: string;
  mixer: MixerName;
  intervalSec: number;
  intervalCount: number;
  zookeeperTimeout: number;
  interconnectTimeout: number;
}

export const SERVER_DEFAULTS: ServerOptions = {
  ...HOST_DEFAULTS,
  thread: 2,
  datadir: '/tmp',
  configpath: '',
  modelFile: '',
  daemon: false,
  configTest: false,
  zookeeper: '',
  name: '',
  mixer: 'linear_mixer',
  intervalSec: 16,
  intervalCount: 512,
  zookeeperTimeout: 10,
  interconnectTimeout: 10,
};

export function isStandalone(o: ServerOptions): boolean {
  return o.zookeeper === '';
}

function usage(message: string, hint?: string): JubaError {
  return new JubaError(message, { code: 'usage', hint });
}

function writableDir(dir: string, what: string): string {
  const abs = path.resolve(dir);
  try {
    if (!fs.statSync(abs).isDirectory()) throw new Error('not a directory');
    fs.accessSync(abs, fs.constants.W_OK);
  } catch (e) {
    throw usage(`can't use ${what}: ${abs} (${(e as Error).message})`, `create it or pass a writable --${what}`);
  }
  return fs.realpathSync(abs);
}

/**
 * Checks ranges and combinations, and turns paths absolute (as Jubatus does before daemonizing).
 * `configOptional`: a user service may run standalone without -f/-m (its config is then `{}`).
 */
export function validateServerOptions(input: ServerOptions, { configOptional = false } = {}): ServerOptions {
  const o = { ...input };
  // -p 0 was resolved to a free port already (resolvePort).
  checkHostOptions(o, 1);
  if (o.intervalSec < 0 || o.intervalCount < 0) throw usage('--interval_sec and --interval_count must be >= 0');
  if (!(MIXERS as readonly string[]).includes(o.mixer)) throw usage(`unsupported mix type (${o.mixer})`, `use one of ${MIXERS.join(', ')}`);
  o.datadir = writableDir(o.datadir, 'datadir');
  if (o.logdir) o.logdir = writableDir(o.logdir, 'logdir');
  for (const k of ['configpath', 'modelFile', 'logConfig'] as const) if (o[k]) o[k] = path.resolve(o[k]);
  if (isStandalone(o)) {
    if (!o.configpath && !o.modelFile && !configOptional) {
      throw usage('config path or model file must be specified for standalone mode', 'pass -f config.json (or -m model.jubatus)');
    }
  } else {
    if (!o.name) throw usage("can't start multinode mode without name specified", 'pass -n <cluster name>');
    if (o.zookeeperTimeout < 1) throw usage('--zookeeper_timeout must be >= 1 in distributed mode');
    if (o.interconnectTimeout < 1) throw usage('--interconnect_timeout must be >= 1 in distributed mode');
  }
  return o;
}

/** The checks every host's options get; `minPort` 0 lets the system pick the port. */
function checkHostOptions(o: HostOptions, minPort: 0 | 1): void {
  if (!Number.isInteger(o.rpcPort) || o.rpcPort < minPort || o.rpcPort > 65535) throw usage(`--rpc-port must be ${minPort}-65535, got ${o.rpcPort}`);
  if (o.thread < 1) throw usage(`--thread must be >= 1, got ${o.thread}`);
  if (o.timeout < 0) throw usage(`--timeout must be >= 0, got ${o.timeout}`);
}

/**
 * The advertised address: `-b` if given, else the IPv4 of `-B`, else the first non-loopback
 * IPv4 (falling back to loopback). It names the server in status keys, ZooKeeper and model files.
 */
export function advertisedAddress(o: Pick<ServerOptions, 'listenAddr' | 'listenIf'>): string {
  if (o.listenAddr) return o.listenAddr;
  const ifs = os.networkInterfaces();
  if (o.listenIf) {
    const v4 = (ifs[o.listenIf] ?? []).find((a) => a.family === 'IPv4');
    if (!v4) throw usage(`no IPv4 address on interface ${o.listenIf}`, `interfaces: ${Object.keys(ifs).join(', ')}`);
    return v4.address;
  }
  let last = '127.0.0.1';
  for (const addrs of Object.values(ifs)) {
    for (const a of addrs ?? []) {
      if (a.family !== 'IPv4') continue;
      if (!a.internal) return a.address;
      last = a.address;
    }
  }
  return last;
}

/** The address to bind: `-b`, else `-B`'s address, else every interface. */
export function bindAddress(o: Pick<ServerOptions, 'listenAddr' | 'listenIf'>): string {
  return o.listenAddr || (o.listenIf ? advertisedAddress(o) : '0.0.0.0');
}

/**
 * `-p 0` asks for any free port. It is chosen before the engine is built because the
 * server's ip_port is the owner stamped on every row it writes (and MIX tells servers apart by it).
 */
export async function resolvePort(port: number, host: string): Promise<number> {
  if (port !== 0) return port;
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, host, () => resolve());
  });
  const chosen = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return chosen;
}

/** A proxy's `thread` is only reported in status: juba runs one event loop. */
export interface ProxyOptions extends HostOptions {
  zookeeper: string;
  /** ZooKeeper session timeout (s). */
  zookeeperTimeout: number;
  /** Whole-request timeout of forwarded calls (s). */
  interconnectTimeout: number;
  /** Idle pooled server connections close after this many seconds. */
  poolExpire: number;
  /** Most pooled server connections; 0 = unlimited. */
  poolSize: number;
}

export const PROXY_DEFAULTS: ProxyOptions = {
  ...HOST_DEFAULTS,
  thread: 4,
  zookeeper: 'localhost:2181',
  zookeeperTimeout: 10,
  interconnectTimeout: 10,
  poolExpire: 60,
  poolSize: 0,
};

/** Range checks of Jubatus's proxy_argv, as usage errors. */
export function validateProxyOptions(o: ProxyOptions): ProxyOptions {
  const bad = (msg: string): never => {
    throw usage(msg);
  };
  checkHostOptions(o, 0);
  if (o.zookeeperTimeout < 1) bad(`--zookeeper_timeout must be >= 1, got ${o.zookeeperTimeout}`);
  if (o.interconnectTimeout < 1) bad(`--interconnect_timeout must be >= 1, got ${o.interconnectTimeout}`);
  if (o.poolExpire < 0) bad(`--pool_expire must be >= 0, got ${o.poolExpire}`);
  if (o.poolSize < 0) bad(`--pool_size must be >= 0, got ${o.poolSize}`);
  return o;
}
