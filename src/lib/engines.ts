/**
 * `juba/engines`: every shipped engine in-process, without a server, the way
 * embedded-jubatus-python runs Jubatus inside Python:
 *
 *   const nn = await NearestNeighbor.create(config);
 *   await nn.setRow('a', datum);
 *   await nn.similarRowFromId('a', 10);
 *   await nn.saveModel('nn.jubatus');   // the model file format `juba serve -m` loads
 *
 * Each method is the engine's IDL method in camelCase (the same arguments as over RPC, minus
 * the cluster name), answering with a Promise. `saveModel` / `loadModel` read and write Jubatus
 * model files, so a model trained here loads into `juba serve` (`-m FILE`, or `load` with the
 * file in its datadir) and a server's saved model loads here.
 */
import fs from 'node:fs/promises';
import type { Engine } from '../engine/engine.js';
import { engineFactory, engineTypes } from '../engine/registry.js';
import { JubaError } from '../errors.js';
import { camelCase } from '../idl/codegen-model.js';
import { loadEngineDescriptor } from '../idl/descriptor.js';
import type { ServiceDescriptor } from '../idl/types.js';
import { parseJsonText } from '../server/json-config.js';
import { decodeModelFile, encodeModelFile, checkModelId } from '../server/model-file.js';
import { epochSeconds } from '../server/process-stats.js';
import type { AsyncMethods, EngineServices, EngineType } from './services.js';

export type { Datum } from '../engine/datum.js';
export type { AsyncMethods, CamelCase, EngineServices, EngineType } from './services.js';

/** A config as JSON text or as the parsed object. */
export type EngineConfig = string | object;

type Impl = (...args: unknown[]) => unknown;

/** What every in-process engine has beside its IDL methods. */
export class InProcessEngine {
  private engineNow: Engine;
  private configNow: string;

  protected constructor(
    readonly type: EngineType,
    engine: Engine,
    configText: string,
  ) {
    this.engineNow = engine;
    this.configNow = configText;
    const descriptor = loadEngineDescriptor(type);
    for (const m of descriptor.methods.values()) {
      const name = camelCase(m.name);
      if (name in this) continue; // never shadow saveModel, getConfig…
      Object.defineProperty(this, name, {
        enumerable: false,
        value: async (...args: unknown[]): Promise<unknown> => {
          if (args.length !== m.params.length) {
            throw new JubaError(`${name} takes ${m.params.length} argument(s), got ${args.length}`, { code: 'usage' });
          }
          const table = ((this.engineNow as { idlMethods?: Record<string, Impl> }).idlMethods ?? this.engineNow) as unknown as Record<string, Impl>;
          return table[m.name]!.apply(table, args);
        },
      });
    }
  }

  /** Builds the engine of `type` from `config` (checked as `juba serve -f` checks it). */
  protected static build(type: string, config: EngineConfig, source = 'config'): { engine: Engine; text: string } {
    const text = typeof config === 'string' ? config : JSON.stringify(config);
    const json = parseJsonText(text, source);
    return { engine: engineFactory(type).create(json, { owner: 'in-process', distributed: false }), text };
  }

  /** The IDL descriptor of this engine's service. */
  get descriptor(): ServiceDescriptor {
    return loadEngineDescriptor(this.type);
  }

  /** The config JSON text this engine runs with. */
  async getConfig(): Promise<string> {
    return this.configNow;
  }

  /** The engine's own status keys (what `get_status` adds for it). */
  async getStatus(): Promise<Record<string, string>> {
    return this.engineNow.status();
  }

  /** Writes the model to `file` in Jubatus's model file format (what a server's `save` writes). */
  async saveModel(file: string, id = 'in-process'): Promise<void> {
    checkModelId(id);
    const bytes = encodeModelFile({
      type: this.type,
      id,
      config: this.configNow,
      timestamp: epochSeconds(),
      userDataVersion: this.engineNow.userDataVersion,
      writeModel: (w) => this.engineNow.packModel(w),
    });
    const tmp = `${file}.tmp-${process.pid}`;
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, file);
  }

  /**
   * Replaces the model (and the config) with a model file's: one this library or a server's
   * `save` wrote for the same engine type. On any failure the current model is kept.
   */
  async loadModel(file: string): Promise<void> {
    const decoded = decodeModelFile(await fs.readFile(file), {
      type: this.type,
      userDataVersion: this.engineNow.userDataVersion,
      config: undefined,
    });
    const { engine } = InProcessEngine.build(this.type, decoded.system.config, file);
    engine.unpackModel(decoded.model);
    this.engineNow = engine;
    this.configNow = decoded.system.config;
  }
}

/** An in-process engine of `T`: the common methods and its IDL methods in camelCase. */
export type EngineOf<T extends EngineType> = InProcessEngine & AsyncMethods<Omit<EngineServices[T], 'get_config' | 'get_status' | 'save' | 'load'>>;

/** The class of one engine type: `create(config)` and `open(modelFile)`. */
export interface EngineClass<T extends EngineType> {
  readonly type: T;
  create(config: EngineConfig): Promise<EngineOf<T>>;
  /** An engine with the config and model of a model file. */
  open(file: string): Promise<EngineOf<T>>;
}

class Built extends InProcessEngine {
  static make(type: EngineType, config: EngineConfig, source?: string): InProcessEngine {
    const { engine, text } = InProcessEngine.build(type, config, source);
    return new Built(type, engine, text);
  }
}

function engineClass<T extends EngineType>(type: T): EngineClass<T> {
  return {
    type,
    create: async (config) => Built.make(type, config) as EngineOf<T>,
    async open(file) {
      const decoded = decodeModelFile(await fs.readFile(file), { type, userDataVersion: NaN, config: undefined, skipUserData: true });
      const e = Built.make(type, decoded.system.config, file);
      await e.loadModel(file);
      return e as EngineOf<T>;
    },
  };
}

/** The in-process engine of `type` built from `config` (any shipped type, by name). */
export async function createEngine<T extends EngineType>(type: T, config: EngineConfig): Promise<EngineOf<T>> {
  if (!engineTypes().includes(type)) engineFactory(type); // throws, listing the engines
  return engineClass(type).create(config);
}

export const Anomaly = engineClass('anomaly');
export const Bandit = engineClass('bandit');
export const Burst = engineClass('burst');
export const Classifier = engineClass('classifier');
export const Clustering = engineClass('clustering');
export const Graph = engineClass('graph');
export const NearestNeighbor = engineClass('nearest_neighbor');
export const Recommender = engineClass('recommender');
export const Regression = engineClass('regression');
export const Stat = engineClass('stat');
export const Weight = engineClass('weight');

/** The shipped engine types. */
export { engineTypes };
