import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Args, Flags, type Interfaces } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { engineTypes } from '../engine/registry.js';
import { JubaError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { VERSION_STRING } from '../server/model-file.js';
import {
  MIXERS, PROXY_DEFAULTS, SERVER_DEFAULTS, advertisedAddress, bindAddress, resolvePort, isStandalone, validateProxyOptions, validateServerOptions,
  type MixerName, type ServerOptions,
} from '../server/options.js';
import { prepareStandaloneServer, stopOnSignals } from '../server/run-server.js';
import type { ServedService } from '../server/served-service.js';
import { engineProxyDescriptor } from '../idl/descriptor.js';

// Each role loads only what it runs: a standalone server no ZooKeeper client, mixer or proxy;
// a proxy no engine; only --idl loads the user-service machinery.
const distributedRole = (): Promise<typeof import('../server/distributed.js')> => import('../server/distributed.js');
const proxyRole = (): Promise<typeof import('../server/proxy.js')> => import('../server/proxy.js');
const userServices = (): Promise<typeof import('../server/user-service.js')> => import('../server/user-service.js');
const engines = (): Promise<typeof import('../server/served-service.js')> => import('../server/served-service.js');

const D = SERVER_DEFAULTS;

export default class Serve extends BaseCommand {
  static override summary = 'Run an engine server (jubaX), standalone with -f or in a cluster with -z/-n; or a service of your own from its IDL.';
  static override description = `Options keep Jubatus's names, short flags and defaults, so existing scripts work unchanged.
Standalone: juba serve nearest_neighbor -f config.json
Engines: ${engineTypes().join(', ')} (Jubatus server names such as jubanearest_neighbor are accepted too).

A service of your own: --idl names its IDL file and --impl the ES module implementing its methods
(default export: an object of methods, a factory (config, ctx) => object, or a class). The service
name comes from the IDL (name it as the argument when the IDL declares several); -f is optional
(the config is then {}). With --proxy only --idl is needed.`;

  static override examples = [
    '<%= config.bin %> serve nearest_neighbor -f config.json',
    '<%= config.bin %> serve nearest_neighbor -f config.json -p 9199 -b 127.0.0.1 -m /tmp/model.jubatus',
    '<%= config.bin %> serve nearest_neighbor -f config.json --config_test',
    '<%= config.bin %> serve --idl examples/kvs/kvs.idl --impl examples/kvs/kvs.js -p 9199',
    '<%= config.bin %> serve --idl examples/kvs/kvs.idl --impl examples/kvs/kvs.js -z 127.0.0.1:2181 -n kvs1',
    '<%= config.bin %> serve --idl examples/kvs/kvs.idl --proxy -z 127.0.0.1:2181',
  ];

  static override args = {
    engine: Args.string({ required: false, description: 'engine type, e.g. nearest_neighbor; with --idl, the service to run (default: the IDL\'s only service)' }),
  };

  static override flags = {
    'rpc-port': Flags.integer({ char: 'p', default: D.rpcPort, min: 0, max: 65535, description: 'port to listen on (0 picks a free one)' }),
    listen_addr: Flags.string({ char: 'b', default: '', description: 'address to bind; also the advertised address' }),
    listen_if: Flags.string({ char: 'B', default: '', description: 'interface whose IPv4 to bind (ignored with -b)' }),
    thread: Flags.integer({ char: 'c', min: 1, description: 'threads serving analysis calls, this one included (nearest_neighbor queries; at most 64), default 2; the proxy (default 4) runs one event loop' }),
    timeout: Flags.integer({ char: 't', default: D.timeout, min: 0, description: 'idle-connection timeout in seconds (0 = never)' }),
    datadir: Flags.string({ char: 'd', default: D.datadir, description: 'directory for model files (save/load)' }),
    logdir: Flags.string({ char: 'l', default: '', description: 'write logs to a file in this directory instead of stderr' }),
    log_config: Flags.string({ char: 'g', default: '', description: 'JSON log settings file: {"level": "debug", "file": "/path/x.log"}' }),
    configpath: Flags.string({ char: 'f', default: '', description: 'config JSON (standalone mode)' }),
    model_file: Flags.string({ char: 'm', default: '', description: 'model file to load at startup (standalone mode)' }),
    daemon: Flags.boolean({ char: 'D', default: false, description: 'run in the background (detached)' }),
    config_test: Flags.boolean({ char: 'T', default: false, description: 'check the config and exit' }),
    zookeeper: Flags.string({ char: 'z', default: '', description: 'ZooKeeper hosts host:port[,host:port]; absent = standalone (proxy: localhost:2181)' }),
    name: Flags.string({ char: 'n', default: '', description: 'cluster name (distributed mode)' }),
    mixer: Flags.string({ char: 'x', default: D.mixer, options: [...MIXERS], description: 'MIX strategy' }),
    interval_sec: Flags.integer({ char: 's', default: D.intervalSec, min: 0, description: 'MIX every N seconds (0 = off)' }),
    interval_count: Flags.integer({ char: 'i', default: D.intervalCount, min: 0, description: 'MIX every N updates (0 = off)' }),
    zookeeper_timeout: Flags.integer({ char: 'Z', default: D.zookeeperTimeout, description: 'ZooKeeper session timeout (s)' }),
    interconnect_timeout: Flags.integer({ char: 'I', default: D.interconnectTimeout, description: 'server-to-server call timeout (s)' }),
    proxy: Flags.boolean({ default: false, description: 'run the proxy role (jubaX_proxy): route calls to the clusters of this engine' }),
    pool_expire: Flags.integer({ char: 'E', default: PROXY_DEFAULTS.poolExpire, min: 0, description: 'proxy: idle server connections close after N s' }),
    pool_size: Flags.integer({ char: 'S', default: PROXY_DEFAULTS.poolSize, min: 0, description: 'proxy: most pooled server connections (0 = unlimited)' }),
    max_frame: Flags.integer({ default: D.maxFrameBytes, min: 1024, description: 'largest msgpack-rpc request accepted, in bytes' }),
    version: Flags.boolean({ char: 'v', default: false, description: 'print the version and exit' }),
    idl: Flags.string({ description: 'IDL file of a service of your own (instead of a shipped engine)' }),
    impl: Flags.string({ description: 'ES module (.js/.mjs) implementing the --idl service\'s methods', dependsOn: ['idl'] }),
  };

  async run(): Promise<void> {
    const { args, flags: f } = await this.parse(Serve);
    const serviceName = await this.serviceName(args.engine, f);
    const progName = `juba${serviceName.replace(/^juba/, '')}`;
    if (f.version) {
      process.stdout.write(`jubatus-${VERSION_STRING} (${progName}) juba-${this.config.version}\n`);
      return;
    }
    if (f.proxy) return this.runProxy(args.engine, f);
    if (f.idl && !f.impl) {
      throw new JubaError('--idl needs --impl: the module that implements the service', {
        code: 'usage',
        hint: `pass --impl ./my-service.js, or add --proxy to route to servers of ${f.idl}`,
      });
    }
    const options = validateServerOptions({
      ...D,
      rpcPort: await resolvePort(f['rpc-port'], bindAddress({ listenAddr: f.listen_addr, listenIf: f.listen_if })),
      listenAddr: f.listen_addr, listenIf: f.listen_if, thread: f.thread ?? D.thread,
      timeout: f.timeout, datadir: f.datadir, logdir: f.logdir, logConfig: f.log_config,
      configpath: f.configpath, modelFile: f.model_file, daemon: f.daemon, configTest: f.config_test,
      zookeeper: f.zookeeper, name: f.name, mixer: f.mixer as MixerName, intervalSec: f.interval_sec,
      intervalCount: f.interval_count, zookeeperTimeout: f.zookeeper_timeout,
      interconnectTimeout: f.interconnect_timeout, maxFrameBytes: f.max_frame,
    }, { configOptional: Boolean(f.idl) });
    if (options.daemon) return this.daemonize();
    const logger = makeLogger(options, progName);
    const service = f.idl
      ? await (await userServices()).loadUserService({ idlFile: f.idl, implFile: f.impl!, service: args.engine, logger })
      : (await engines()).engineService(serviceName);

    if (options.configTest) return configTest(service, options, logger);
    if (!isStandalone(options)) {
      if (options.configpath || options.modelFile) logger.warn('-f and -m are ignored in distributed mode: the config comes from ZooKeeper');
      const ds = await (await distributedRole()).startDistributedServer(service, options, logger);
      stopOnSignals(() => ds.stop('signal'), logger);
      await ds.stopped;
      process.exit(0);
    }
    const prepared = prepareStandaloneServer(service, options, logger);
    await prepared.start();
    stopOnSignals(() => prepared.server.close(), logger);
  }

  /** The engine or user service named by the argument and --idl; usage errors when neither says. */
  private async serviceName(engine: string | undefined, f: Interfaces.InferredFlags<typeof Serve.flags>): Promise<string> {
    if (f.idl) return engine ?? (await userServices()).loadUserDescriptor(f.idl).name;
    if (engine) return engine;
    throw new JubaError('name an engine, or give --idl for a service of your own', {
      code: 'usage',
      hint: `engines: ${engineTypes().join(', ')}; e.g. juba serve nearest_neighbor -f config.json, or juba serve --idl my.idl --impl ./my-service.js`,
    });
  }

  private async runProxy(engine: string | undefined, f: Interfaces.InferredFlags<typeof Serve.flags>): Promise<void> {
    // A proxy never loads an implementation: the IDL alone drives routing and aggregation.
    const descriptor = f.idl ? (await userServices()).loadUserDescriptor(f.idl, engine) : engineProxyDescriptor(engine!);
    const type = descriptor.name;
    const options = validateProxyOptions({
      ...PROXY_DEFAULTS,
      rpcPort: f['rpc-port'], listenAddr: f.listen_addr, listenIf: f.listen_if,
      thread: f.thread ?? PROXY_DEFAULTS.thread, timeout: f.timeout,
      zookeeper: f.zookeeper || PROXY_DEFAULTS.zookeeper, zookeeperTimeout: f.zookeeper_timeout,
      interconnectTimeout: f.interconnect_timeout, poolExpire: f.pool_expire,
      poolSize: f.pool_size, logdir: f.logdir, logConfig: f.log_config, maxFrameBytes: f.max_frame,
    });
    if (f.daemon) return this.daemonize();
    const logger = makeLogger({ ...D, ...options, logConfig: options.logConfig }, `juba${type}_proxy`);
    const proxy = await (await proxyRole()).startProxy({ descriptor, engineType: type, options, logger });
    stopOnSignals(() => proxy.close(), logger);
  }

  /**
   * Re-runs this command detached, without -D, and returns at once. The child keeps our working
   * directory: it parses the same argv, so relative paths (-f, --idl, --impl…) must mean the same.
   */
  private daemonize(): void {
    const argv = process.argv.slice(1).filter((a) => a !== '-D' && a !== '--daemon');
    const child = spawn(process.execPath, argv, { detached: true, stdio: 'ignore', cwd: process.cwd() });
    child.unref();
    process.stdout.write(`started in the background, pid ${child.pid}\n`);
  }
}

function makeLogger(o: ServerOptions, progName: string): Logger {
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
