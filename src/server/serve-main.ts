/**
 * What `juba serve` does once its argv is parsed, by oclif (commands/serve.ts) or by the fast
 * path (cli/serve-fast.ts): the version line, a standalone or distributed engine server, a
 * user service, or a proxy. Each role loads only what it runs: a standalone server no
 * ZooKeeper client, mixer or proxy; a proxy no engine; only --idl loads the user-service
 * machinery.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { engineTypes } from '../engine/registry.js';
import { JubaError } from '../errors.js';
import { engineProxyDescriptor } from '../idl/descriptor.js';
import { createLogger, type Logger } from '../logger.js';
import { VERSION_STRING } from './model-file.js';
import {
  PROXY_DEFAULTS, SERVER_DEFAULTS as D, advertisedAddress, bindAddress, resolvePort, isStandalone, validateProxyOptions, validateServerOptions,
  type HostOptions, type MixerName, type ServerOptions,
} from './options.js';
import { prepareStandaloneServer, stopOnSignals } from './run-server.js';
import type { ServedService } from './served-service.js';
import type { ServeFlags } from './serve-flags.js';

const distributedRole = (): Promise<typeof import('./distributed.js')> => import('./distributed.js');
const proxyRole = (): Promise<typeof import('./proxy.js')> => import('./proxy.js');
const userServices = (): Promise<typeof import('./user-service.js')> => import('./user-service.js');
const engines = (): Promise<typeof import('./served-service.js')> => import('./served-service.js');
/** prom-client and node:http load only with --metrics_port. */
const metricsModule = (): Promise<typeof import('./metrics.js')> => import('./metrics.js');

/** The metrics endpoint when --metrics_port names a port; bound before anything registers. */
async function startMetrics(f: ServeFlags, host: string, logger: Logger): Promise<{ mod: typeof import('./metrics.js'); endpoint: import('./metrics.js').MetricsEndpoint } | undefined> {
  if (f.metrics_port === '-' || f.metrics_port === '') return undefined;
  const mod = await metricsModule();
  const port = mod.parseMetricsPort(f.metrics_port);
  if (port === undefined) return undefined;
  return { mod, endpoint: await mod.startMetricsEndpoint(port, host, logger) };
}

/** Runs `juba serve [engine] <flags>`; `version` is juba's own, for -v. */
export async function runServe(engine: string | undefined, f: ServeFlags, version: string): Promise<void> {
  const serviceName = await serviceNameOf(engine, f);
  const progName = `juba${serviceName.replace(/^juba/, '')}`;
  if (f.version) {
    process.stdout.write(`jubatus-${VERSION_STRING} (${progName}) juba-${version}\n`);
    return;
  }
  if (f.proxy) return runProxy(engine, f);
  if (f.idl && !f.impl) {
    throw new JubaError('--idl needs --impl: the module that implements the service', {
      code: 'usage',
      hint: `pass --impl ./my-service.js, or add --proxy to route to servers of ${f.idl}`,
    });
  }
  const host = hostOptions(f, D.thread);
  const options = validateServerOptions({
    ...D,
    ...host,
    rpcPort: await resolvePort(host.rpcPort, bindAddress(host)),
    datadir: f.datadir, configpath: f.configpath, modelFile: f.model_file, daemon: f.daemon, configTest: f.config_test,
    zookeeper: f.zookeeper, name: f.name, mixer: f.mixer as MixerName, intervalSec: f.interval_sec,
    intervalCount: f.interval_count, zookeeperTimeout: f.zookeeper_timeout, interconnectTimeout: f.interconnect_timeout,
  }, { configOptional: Boolean(f.idl) });
  if (options.daemon) return daemonize();
  const logger = makeLogger(options, progName);
  const service = f.idl
    ? await (await userServices()).loadUserService({ idlFile: f.idl, implFile: f.impl!, service: engine, logger })
    : (await engines()).engineService(serviceName);

  if (options.configTest) return configTest(service, options, logger);
  if (!isStandalone(options)) {
    if (options.configpath || options.modelFile) logger.warn('-f and -m are ignored in distributed mode: the config comes from ZooKeeper');
    const metrics = await startMetrics(f, bindAddress(options), logger);
    const ds = await (await distributedRole()).startDistributedServer(service, options, logger);
    if (metrics) metrics.mod.instrumentServer(metrics.endpoint, ds.server, ds);
    stopOnSignals(() => ds.stop('signal'), logger);
    await ds.stopped;
    process.exit(0);
  }
  const prepared = prepareStandaloneServer(service, options, logger);
  const metrics = await startMetrics(f, bindAddress(options), logger);
  let serving = false;
  if (metrics) metrics.mod.instrumentServer(metrics.endpoint, prepared.server, undefined, () => serving);
  await prepared.start();
  serving = true;
  stopOnSignals(() => prepared.server.close(), logger);
}

/** The engine or user service named by the argument and --idl; usage errors when neither says. */
async function serviceNameOf(engine: string | undefined, f: ServeFlags): Promise<string> {
  if (f.idl) return engine ?? (await userServices()).loadUserDescriptor(f.idl).name;
  if (engine) return engine;
  throw new JubaError('name an engine, or give --idl for a service of your own', {
    code: 'usage',
    hint: `engines: ${engineTypes().join(', ')}; e.g. juba serve nearest_neighbor -f config.json, or juba serve --idl my.idl --impl ./my-service.js`,
  });
}

async function runProxy(engine: string | undefined, f: ServeFlags): Promise<void> {
  // A proxy never loads an implementation: the IDL alone drives routing and aggregation.
  const descriptor = f.idl ? (await userServices()).loadUserDescriptor(f.idl, engine) : engineProxyDescriptor(engine!);
  const type = descriptor.name;
  const options = validateProxyOptions({
    ...PROXY_DEFAULTS,
    ...hostOptions(f, PROXY_DEFAULTS.thread),
    zookeeper: f.zookeeper || PROXY_DEFAULTS.zookeeper, zookeeperTimeout: f.zookeeper_timeout,
    interconnectTimeout: f.interconnect_timeout, poolExpire: f.pool_expire, poolSize: f.pool_size,
  });
  if (f.daemon) return daemonize();
  const logger = makeLogger(options, `juba${type}_proxy`);
  const metrics = await startMetrics(f, bindAddress(options), logger);
  const proxy = await (await proxyRole()).startProxy({ descriptor, engineType: type, options, logger });
  if (metrics) metrics.mod.instrumentProxy(metrics.endpoint, proxy, type);
  stopOnSignals(() => proxy.close(), logger);
}

/** The flags every host takes, server or proxy; their --thread defaults differ. */
function hostOptions(f: ServeFlags, defaultThread: number): HostOptions {
  return {
    rpcPort: f['rpc-port'], listenAddr: f.listen_addr, listenIf: f.listen_if, thread: f.thread ?? defaultThread,
    timeout: f.timeout, logdir: f.logdir, logConfig: f.log_config, maxFrameBytes: f.max_frame,
  };
}

/**
 * Re-runs this command detached, without -D, and returns at once. The child keeps our working
 * directory: it parses the same argv, so relative paths (-f, --idl, --impl…) must mean the same.
 */
function daemonize(): void {
  const argv = process.argv.slice(1).filter((a) => a !== '-D' && a !== '--daemon');
  const child = spawn(process.execPath, argv, { detached: true, stdio: 'ignore', cwd: process.cwd() });
  child.unref();
  process.stdout.write(`started in the background, pid ${child.pid}\n`);
}

function makeLogger(o: HostOptions, progName: string): Logger {
  let level: string | undefined;
  let file: string | undefined;
  if (o.logConfig) {
    let cfg: { level?: unknown; file?: unknown };
    try {
      cfg = JSON.parse(fs.readFileSync(o.logConfig, 'utf8')) as typeof cfg;
    } catch (e) {
      throw new JubaError(`invalid log configuration: ${o.logConfig} (${(e as Error).message})`, {
        code: 'usage',
        hint: 'the file must be JSON like {"level": "info", "file": "/var/log/juba.log"}',
      });
    }
    if (typeof cfg.level === 'string') level = cfg.level;
    if (typeof cfg.file === 'string') file = cfg.file;
  }
  if (!file && o.logdir) {
    file = path.join(o.logdir, `${progName}.${advertisedAddress(o)}_${o.rpcPort}.log.${process.pid}`);
  }
  return createLogger({ level, file, base: { prog: progName } });
}

function configTest(service: ServedService, o: ServerOptions, logger: Logger): void {
  try {
    prepareStandaloneServer(service, o, logger); // builds the engine from the config; binds nothing
    process.stderr.write('Configuration OK\n');
  } catch (e) {
    process.stderr.write(`Configuration error:\n${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
