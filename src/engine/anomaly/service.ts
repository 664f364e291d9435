/**
 * The anomaly engine (engine spec §9): the IDL methods of `idl/anomaly.idl` over the converter,
 * the point ids and one LOF method (light_lof over nearest_neighbor, lof over a recommender).
 * Model file `[method, weight_manager]`; MIX parts `[method parts…, weight_manager]`, push parts
 * the method's (light_lof's two versioned tables).
 */
import { expectArray, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import type { Datum } from '../datum.js';
import type { Engine, EngineOptions, GlobalIdMethod, LinearMixable, PushMixable, ShippedEngineFactory } from '../engine.js';
import { parseConverterConfig } from '../fv/config.js';
import { DatumToFvConverter } from '../fv/converter.js';
import { WeightManager } from '../fv/weight-manager.js';
import { weightManagerPart } from '../fv/weight-mixable.js';
import { composeLinear } from '../mixable.js';
import { composePush } from '../push-parts.js';
import { parseAnomalyConfig } from './config.js';
import type { AnomalyDriver, Row } from './driver.js';
import { IdCounter, maxIntId } from './ids.js';
import { LightLof } from './light-lof.js';
import { Lof } from './lof.js';
import { makeLofRecommender, type LofRecommenderMaker } from './lof-recommender.js';
import type { AnomalyService, IdWithScore } from './service-types.js';

export class AnomalyEngine implements Engine, AnomalyService {
  readonly type = 'anomaly';
  readonly userDataVersion = 1;
  /** Standalone ids (a cluster server passes ZooKeeper's ids to addWithId/addBulkWithIds). */
  readonly ids = new IdCounter();

  constructor(
    readonly driver: AnomalyDriver,
    readonly converter: DatumToFvConverter,
  ) {}

  /** Stores `row` under a fresh id; the id is drawn before conversion, so a bad datum uses one up. */
  add(row: Datum): IdWithScore {
    return this.addWithId(this.ids.draw(), row);
  }

  /** add with an id drawn elsewhere (the cluster's id generator): update for lof, overwrite for light_lof. */
  addWithId(id: string, row: Datum): IdWithScore {
    return [id, this.driver.updatable ? this.update(id, row) : this.overwrite(id, row)];
  }

  add_bulk(data: Datum[]): string[] {
    return this.addBulkWithIds(data.map(() => this.ids.draw()), data);
  }

  addBulkWithIds(ids: readonly string[], data: readonly Datum[]): string[] {
    const rows: Row[] = data.map((d, i) => [ids[i]!, this.converter.convertAndUpdateWeight(d)]);
    return this.driver.updatable ? this.driver.updateBulk(rows) : this.driver.setBulk(rows);
  }

  update(id: string, row: Datum): number {
    const fv = this.converter.convertAndUpdateWeight(row);
    return this.driver.updateRow(id, fv) ? this.driver.scoreOfId(id) : this.driver.scoreOfIdWith(id, fv);
  }

  overwrite(id: string, row: Datum): number {
    const fv = this.converter.convertAndUpdateWeight(row);
    return this.driver.setRow(id, fv) ? this.driver.scoreOfId(id) : this.driver.scoreOfFv(fv);
  }

  clear_row(id: string): boolean {
    this.driver.clearRow(id);
    return true;
  }

  clear(): boolean {
    this.driver.clear();
    this.converter.clear();
    return true;
  }

  calc_score(row: Datum): number {
    return this.driver.scoreOfFv(this.converter.convert(row));
  }

  get_all_rows(): string[] {
    return this.driver.allRows();
  }

  status(): Record<string, string> {
    return { storage: this.driver.type, max_id: maxIntId(this.driver.allRows()).toString(), ...this.driver.status() };
  }

  packModel(w: MsgWriter): void {
    w.arrayHeader(2);
    this.driver.pack(w);
    this.converter.weights.pack(w);
  }

  /** Replaces the model; standalone ids then restart after the largest stored one (1.1.1's load). */
  unpackModel(v: MsgValue): void {
    const parts = expectArray(v, 'anomaly model', 2);
    const install = this.driver.unpack(parts[0]!);
    const weights = WeightManager.unpack(parts[1]!);
    install();
    this.converter.setWeights(weights);
    this.ids.resetAfter(this.driver.allRows());
  }

  linearMixable(): LinearMixable<unknown[]> {
    return composeLinear('anomaly', [...this.driver.linearParts(), weightManagerPart(this.converter)]);
  }

  /**
   * In a cluster, add's id comes from ZooKeeper and the point is written on the id's 2 CHT
   * owners with update (lof) or overwrite (light_lof), the first owner's score answering;
   * add_bulk's ids come from ZooKeeper too, the points stay here (1.1.1's anomaly_serv).
   */
  globalIdMethods(): Record<string, GlobalIdMethod> {
    return {
      add: {
        idCount: () => 1,
        write: (ids, args) => ({
          kind: 'cht',
          replicas: 2,
          method: this.driver.updatable ? 'update' : 'overwrite',
          args: [ids[0]!, args[0]],
          answer: (score) => [ids[0]!, score],
        }),
      },
      add_bulk: {
        idCount: (args) => (args[0] as Datum[]).length,
        write: (ids, args) => ({ kind: 'local', run: () => this.addBulkWithIds(ids, args[0] as Datum[]) }),
      },
    };
  }

  /** light_lof's versioned tables; lof has none (its storage mixes linearly only). */
  pushMixable(): PushMixable | undefined {
    const parts = this.driver.pushParts();
    return parts ? composePush('anomaly', parts) : undefined;
  }
}

/** Builds the engine; `recommenders` replaces lof's recommender table (tests). */
export function createAnomalyEngine(
  config: unknown, options: EngineOptions, recommenders?: Readonly<Record<string, LofRecommenderMaker>>,
): AnomalyEngine {
  const c = parseAnomalyConfig(config);
  const p = c.params;
  const driver = p.method === 'light_lof'
    ? new LightLof(p.lof, p.nn, options.owner, p.unlearner)
    : new Lof(p.lof, makeLofRecommender(p.recommender.method, p.recommender.parameter, options.owner, recommenders), p.unlearner);
  return new AnomalyEngine(driver, new DatumToFvConverter(parseConverterConfig(c.converter, 'converter')));
}

export const anomalyFactory: ShippedEngineFactory = {
  type: 'anomaly',
  presets: {
    // A stream of observations, each one datum: add stores it under a fresh id and answers its score.
    feed: { method: 'add', wrap: false, example: '[{"temperature": 21.5, "humidity": 40, "room": "lab"}]' },
    // calc_score is the read-only question a benchmark can repeat without growing the model.
    bench: { method: 'calc_score', args: [{ temperature: 21.5, humidity: 40, room: 'lab' }] },
    // light_lof reports its point count; lof only its score tables, of which the master is what
    // a cluster's members agree on after MIX (the diff holds the points since the last one).
    size: { keys: ['num_id', 'num_id_master'], label: 'POINTS' },
  },
  create: (config: unknown, options: EngineOptions): AnomalyEngine => createAnomalyEngine(config, options),
};
