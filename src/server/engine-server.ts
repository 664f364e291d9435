/**
 * An engine behind msgpack-rpc, on the RPC host (rpc-host.ts): each IDL method runs on the
 * engine under its lock and is counted; the built-in methods, the engine's status keys, and
 * model files.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Engine, EngineFactory } from '../engine/engine.js';
import { JubaError } from '../errors.js';
import { SERVER_BUILTINS } from '../idl/builtins.js';
import type { MethodDecl, ServiceDescriptor } from '../idl/types.js';
import type { Logger } from '../logger.js';
import type { RpcMethod, RpcObserver } from '../rpc/server.js';
import { parseJsonText } from './json-config.js';
import { checkModelId, decodeModelFile, encodeModelFile, modelFileName, ModelFileError } from './model-file.js';
import { isStandalone, type ServerOptions } from './options.js';
import { epochSeconds } from './process-stats.js';
import { RpcHost } from './rpc-host.js';
import { RwLock } from './rw-lock.js';
import { AnalysisThreads } from './analysis-threads.js';
import { collectWhenIdle } from './idle-gc.js';

export interface EngineServerArgs {
  factory: EngineFactory;
  descriptor: ServiceDescriptor;
  /** Already validated (validateServerOptions). */
  options: ServerOptions;
  /** The config JSON text (from -f, ZooKeeper, or a model file). */
  configText: string;
  /** Where the config came from, for error positions and `configpath` in status. */
  configSource: string;
  logger: Logger;
  /** In a cluster: the CHT ownership test engines get as EngineOptions.owns. */
  owns?: (key: string, replicas: number) => boolean;
}

type Impl = (...args: unknown[]) => unknown;

/**
 * Where an engine's IDL methods are: on the engine itself (shipped engines), or in its
 * `idlMethods` table (user services, whose method names may clash with Engine members).
 */
function methodTable(engine: Engine): Record<string, Impl> {
  return ((engine as { idlMethods?: Record<string, Impl> }).idlMethods ?? engine) as Record<string, Impl>;
}

export class EngineServer {
  engine: Engine;
  configText: string;
  readonly lock = new RwLock();
  readonly counters = { update: 0, analysis: 0, updateUsec: 0, analysisUsec: 0 };
  lastSaved = 0;
  lastSavedPath = '';
  lastLoaded = 0;
  lastLoadedPath = '';
  /** Extra `get_status` keys (distributed options, mixer state), merged in order. */
  readonly statusProviders: Array<() => Record<string, string>> = [];
  /** Called after every model update (update RPCs and load): the mixer counts these. */
  onUpdate?: () => void;
  private readonly host: RpcHost;
  private readonly savingPaths = new Set<string>();
  /** Model files being read and applied now (startup -m, load): /healthz answers 503 meanwhile. */
  loadingModels = 0;
  private stopIdleGc?: () => void;
  /** The worker threads of `-c N` (N > 1) when the engine can analyse on them. */
  private readonly threads?: AnalysisThreads;
  /**
   * Threads serving analysis calls, the main one included (`threadnum`): `-c`, capped by what
   * the engine supports (1 for an engine without parallel analysis).
   */
  readonly threadCount: number;

  constructor(private readonly args: EngineServerArgs) {
    const o = args.options;
    this.host = new RpcHost({
      options: o, descriptor: args.descriptor, logger: args.logger, progName: `juba${args.factory.type}`,
      threadnum: () => this.threadCount,
    });
    this.configText = args.configText;
    this.engine = EngineServer.buildEngine(args, this.ipPort, !isStandalone(o));
    const most = this.engine.parallelAnalysis?.()?.maxThreads ?? 1;
    this.threadCount = Math.min(o.thread, most);
    if (this.threadCount > 1) this.threads = new AnalysisThreads(this.threadCount - 1, args.logger);
    if (o.thread > most) {
      args.logger.warn(
        { thread: o.thread, threadnum: most },
        most === 1 ? `${this.engine.type} runs its analysis calls on the main thread: -c ${o.thread} has no effect`
          : `${this.engine.type} serves analysis calls on ${most} threads at most`,
      );
    }
    this.registerMethods();
  }

  /** Parses and applies a config; errors say `source:line:col` or name the offending key. */
  static buildEngine(args: Pick<EngineServerArgs, 'factory' | 'configText' | 'configSource' | 'owns'>, owner: string, distributed = false): Engine {
    const json = parseJsonText(args.configText, args.configSource);
    return args.factory.create(json, args.owns ? { owner, distributed, owns: args.owns } : { owner, distributed });
  }

  get ipPort(): string {
    return this.host.ipPort;
  }

  /** The advertised address. */
  get eth(): string {
    return this.host.eth;
  }

  get port(): number {
    return this.host.port;
  }

  get descriptor(): ServiceDescriptor {
    return this.args.descriptor;
  }

  /** Reports every answered RPC (method, outcome, seconds) to `fn`: /metrics sets it. */
  set rpcObserver(fn: RpcObserver | undefined) {
    this.host.observe = fn;
  }

  async listen(): Promise<number> {
    const port = await this.host.listen();
    this.stopIdleGc = collectWhenIdle(() => this.counters.update + this.counters.analysis);
    return port;
  }

  async close(): Promise<void> {
    this.stopIdleGc?.();
    await this.host.close();
    await this.threads?.close();
  }

  /** The RPC method `name` as the server dispatches it (lock, threads, counters included). */
  method(name: string): RpcMethod | undefined {
    return this.host.method(name);
  }

  /** Adds or replaces an RPC method (the cluster layer adds MIX internals this way). */
  addMethod(name: string, m: RpcMethod): void {
    this.host.addMethod(name, m);
  }

  /**
   * Replaces IDL method `name` with `run`: arguments decoded and the result encoded by the IDL
   * as for any method, but no lock is taken and nothing counted here; `run` locks and counts
   * what it writes itself (`runUpdate`). The cluster layer runs global-id methods this way.
   */
  overrideIdlMethod(name: string, run: (args: unknown[]) => unknown): void {
    const m = this.args.descriptor.methods.get(name);
    if (!m) throw new JubaError(`no IDL method ${name} to override`);
    this.addMethod(name, this.idlMethod(m, run, true));
  }

  /** Runs a model write under the write lock and counts it as an update (even when it fails, as 1.1.1 does). */
  async runUpdate<T>(fn: () => T): Promise<T> {
    return this.lock.withWrite(() => {
      const t0 = performance.now();
      try {
        return fn();
      } finally {
        this.counters.update++;
        this.counters.updateUsec += (performance.now() - t0) * 1000;
        this.onUpdate?.();
      }
    });
  }

  /** Calls this engine's IDL method `name` with decoded `args` under the write lock, counted as an update. */
  callUpdateHere(name: string, args: unknown[]): Promise<unknown> {
    return this.runUpdate(() => {
      const table = methodTable(this.engine);
      const f = table[name];
      if (typeof f !== 'function') throw new JubaError(`engine ${this.engine.type} has no method ${name}`);
      return f.apply(table, args);
    });
  }

  private registerMethods(): void {
    const desc = this.args.descriptor;
    for (const m of desc.methods.values()) {
      if (typeof methodTable(this.engine)[m.name] !== 'function') {
        throw new JubaError(`engine ${this.engine.type} does not implement IDL method ${m.name}`);
      }
      // Looked up per call: load with a model file's config may replace the engine.
      const here = (args: unknown[]): unknown => {
        const table = methodTable(this.engine);
        return table[m.name]!.apply(table, args);
      };
      // A method the engine can run on its analysis threads reads the model while updates may
      // come in: it runs under the read lock even when the IDL says nolock (the engine's own
      // lock in Jubatus).
      const threads = this.threads && this.engine.parallelAnalysis?.()?.has(m.name) ? this.threads : undefined;
      if (threads) {
        this.addMethod(m.name, this.idlMethod({ ...m, lock: 'analysis' }, (args) => {
          const par = this.engine.parallelAnalysis?.();
          return par?.has(m.name) ? threads.submit(par, m.name, args, () => here(args)) : here(args);
        }, false));
      } else this.addMethod(m.name, this.idlMethod(m, here, false));
    }
    const builtins: Record<string, (args: unknown[]) => unknown> = {
      get_config: () => this.configText,
      get_status: () => this.status(),
      save: (a) => this.save(a[0] as string),
      load: (a) => this.load(a[0] as string),
    };
    for (const m of SERVER_BUILTINS) this.addMethod(m.name, this.idlMethod(m, builtins[m.name]!, true));
  }

  /**
   * IDL method `m` on the host, which decodes its params and encodes its result. IDL methods
   * run under their lock and are counted; built-ins (`builtin`) take their own locks
   * (save/load hold them across file I/O).
   */
  private idlMethod(m: MethodDecl, run: (args: unknown[]) => unknown, builtin: boolean): RpcMethod {
    const count = (t0: number): void => {
      const usec = (performance.now() - t0) * 1000;
      if (m.lock === 'update' || this.engine.nolockWrites?.()?.[m.name]?.counted) {
        this.counters.update++;
        this.counters.updateUsec += usec;
        this.onUpdate?.();
      } else {
        this.counters.analysis++;
        this.counters.analysisUsec += usec;
      }
    };
    // 1.1.1 counts an update as it takes the write lock, before the method runs, so an update
    // that then fails (e.g. a feature key with '$') still counts; arguments that do not decode
    // never reach the lock and do not.
    const timed = (args: unknown[]): unknown => {
      const t0 = performance.now();
      let r: unknown;
      try {
        r = run(args);
      } catch (e) {
        count(t0);
        throw e;
      }
      if (r instanceof Promise) return r.finally(() => count(t0));
      count(t0);
      return r;
    };
    return this.host.idlMethod(m, (args) => {
      if (builtin) return run(args);
      // Engine calls are synchronous: they run at once unless an async holder (save, load, MIX)
      // has the lock. A user service's method may return a promise: the lock is then taken
      // right away (nothing ran in between) and held until it settles.
      if (m.lock === 'update' || (m.lock === 'nolock' && this.engine.nolockWrites?.()?.[m.name])) {
        if (!this.lock.writeFree) return this.lock.withWrite(() => timed(args));
        const r = timed(args);
        return r instanceof Promise ? this.lock.withWrite(() => r) : r;
      }
      if (m.lock === 'analysis') {
        if (!this.lock.readFree) return this.lock.withRead(() => timed(args));
        const r = timed(args);
        return r instanceof Promise ? this.lock.withRead(() => r) : r;
      }
      return timed(args);
    });
  }

  /** The host's base keys, then the server's and the engine's, then the providers'. */
  status(): Map<string, Map<string, string>> {
    const o = this.args.options;
    const s: Record<string, string> = {
      datadir: o.datadir,
      is_standalone: isStandalone(o) ? '1' : '0',
      type: this.engine.type,
      configpath: this.args.configSource,
      update_count: String(this.counters.update),
      last_saved: String(this.lastSaved),
      last_saved_path: this.lastSavedPath,
      last_loaded: String(this.lastLoaded),
      last_loaded_path: this.lastLoadedPath,
      // juba's own cumulative counters, so dashboards can difference them into rates.
      analysis_count: String(this.counters.analysis),
      analysis_usec_total: String(Math.round(this.counters.analysisUsec)),
      // Of analysis_count, the calls answered on the -c worker threads.
      analysis_on_workers: String(this.threads?.answered ?? 0),
      update_usec_total: String(Math.round(this.counters.updateUsec)),
      ...this.engine.status(),
    };
    for (const provide of this.statusProviders) Object.assign(s, provide());
    return this.host.status(s);
  }

  modelPath(id: string): string {
    return path.join(this.args.options.datadir, modelFileName(this.eth, this.port, this.engine.type, id));
  }

  /** Writes the model file (read lock held throughout, as in Jubatus). */
  async save(id: string): Promise<Map<string, string>> {
    checkModelId(id);
    const file = this.modelPath(id);
    if (this.savingPaths.has(file)) throw new ModelFileError('cannot get the lock of file; any RPC is saving to same file?');
    this.savingPaths.add(file);
    try {
      await this.lock.withRead(async () => {
        const bytes = encodeModelFile({
          type: this.engine.type,
          id,
          config: this.configText,
          timestamp: epochSeconds(),
          userDataVersion: this.engine.userDataVersion,
          writeModel: (w) => this.engine.packModel(w),
        });
        // Write beside and rename, so a failed save never leaves a truncated model behind.
        const tmp = `${file}.tmp-${process.pid}`;
        let handle: fs.FileHandle;
        try {
          handle = await fs.open(tmp, 'w');
        } catch (e) {
          this.args.logger.error({ file, err: (e as Error).message }, 'save failed');
          throw new ModelFileError('cannot open output file');
        }
        try {
          await handle.writeFile(bytes);
          await handle.close();
          await fs.rename(tmp, file);
        } catch (e) {
          await handle.close().catch(() => undefined);
          await fs.rm(tmp, { force: true });
          this.args.logger.error({ file, err: (e as Error).message }, 'save failed');
          throw new ModelFileError('cannot write output file');
        }
      });
    } finally {
      this.savingPaths.delete(file);
    }
    this.lastSaved = epochSeconds();
    this.lastSavedPath = file;
    this.args.logger.info({ file }, 'saved model');
    return new Map([[this.ipPort, file]]);
  }

  /** Replaces the model from this server's own file for `id`; on any failure the model is untouched. */
  async load(id: string): Promise<boolean> {
    checkModelId(id);
    await this.lock.withWrite(async () => {
      const file = this.modelPath(id);
      await this.loadFile(file, this.configText);
      this.counters.update++;
      this.onUpdate?.();
    });
    return true;
  }

  /** Reads, checks and applies a model file. `expectConfig` undefined: take the file's config. */
  async loadFile(file: string, expectConfig: string | undefined): Promise<void> {
    this.loadingModels++;
    try {
      await this.applyModelFile(file, expectConfig);
    } finally {
      this.loadingModels--;
    }
  }

  private async applyModelFile(file: string, expectConfig: string | undefined): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(file);
    } catch (e) {
      this.args.logger.error({ file, err: (e as Error).message }, 'load failed');
      throw new ModelFileError('cannot open input file');
    }
    const decoded = decodeModelFile(bytes, {
      type: this.engine.type,
      userDataVersion: this.engine.userDataVersion,
      config: expectConfig,
    });
    let engine = this.engine;
    if (expectConfig === undefined) {
      engine = EngineServer.buildEngine(
        { factory: this.args.factory, configText: decoded.system.config, configSource: file, owns: this.args.owns },
        this.ipPort,
        !isStandalone(this.args.options),
      );
    }
    try {
      engine.unpackModel(decoded.model);
    } catch (e) {
      this.args.logger.error({ file, err: (e as Error).message }, 'load failed: user data');
      throw new ModelFileError('user data is broken');
    }
    if (engine !== this.engine) {
      this.engine = engine;
      this.configText = decoded.system.config;
    }
    this.lastLoaded = epochSeconds();
    this.lastLoadedPath = file;
    this.args.logger.info({ file }, 'loaded model');
  }
}
