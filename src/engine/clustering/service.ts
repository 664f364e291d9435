/**
 * The clustering engine (engine spec §13; core driver/clustering.cpp, clustering/clustering.cpp):
 * pushed points are converted with weight updates, sorted and merged, and stored with weight 1;
 * the storage decides when a revision (a batch re-clustering over all its points) happens;
 * queries convert without updating weights. Model file `[storage, weight_manager]`; MIX parts
 * `[storage diff, weight_manager]` (mix-payloads spec, clustering).
 */
import { expectArray, expectNumber, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import type { Datum, FeatureVector } from '../datum.js';
import type { Engine, EngineOptions, LinearMixable, ShippedEngineFactory } from '../engine.js';
import { DatumToFvConverter } from '../fv/converter.js';
import { revertFeatures } from '../fv/revert.js';
import { sortAndMerge } from '../fv/sort-merge.js';
import { WeightManager } from '../fv/weight-manager.js';
import { weightManagerPart } from '../fv/weight-mixable.js';
import { composeLinear, type LinearPart } from '../mixable.js';
import { readNamed, readPoints, writeNamed, writePoints } from './codec.js';
import { Compressor } from './compressor.js';
import { parseClusteringConfig, type ClusteringConfig } from './config.js';
import { Dbscan } from './dbscan.js';
import { Gmm } from './gmm.js';
import { KMeans } from './kmeans.js';
import type { ClusteringMethod } from './method.js';
import type { WeightedPoint } from './points.js';
import type { ClusteringService, IndexedPoint, WeightedDatum, WeightedIndex } from './service-types.js';
import { CompressiveStorage, mixNamedPoints, SimpleStorage, type NamedPoints, type PointStorage } from './storage.js';

function makeMethod(c: ClusteringConfig): ClusteringMethod {
  const m = c.method;
  if (m.method === 'kmeans') return new KMeans(m.k, m.seed, c.distance);
  if (m.method === 'gmm') return new Gmm(m.k, m.seed);
  return new Dbscan(m.eps, m.minCorePoint, c.distance);
}

function makeStorage(c: ClusteringConfig, name: string): SimpleStorage | CompressiveStorage {
  const s = c.compressor;
  if (s.method === 'simple') return new SimpleStorage(name, s.bucketSize);
  return new CompressiveStorage(name, s, new Compressor(c.method.method === 'gmm' ? 'gmm' : 'kmeans', s.seed));
}

export class ClusteringEngine implements Engine, ClusteringService {
  readonly type = 'clustering';
  readonly userDataVersion = 1;
  readonly converter: DatumToFvConverter;
  readonly method: ClusteringMethod;
  readonly storage: SimpleStorage | CompressiveStorage;

  constructor(readonly config: ClusteringConfig, name: string) {
    this.converter = new DatumToFvConverter(config.converter);
    this.method = makeMethod(config);
    this.storage = makeStorage(config, name);
    this.storage.onRevision = (all) => this.method.batchUpdate(all);
  }

  /** Every point is converted before any is stored (as 1.1.1): a datum the converter refuses stores none. */
  push(points: IndexedPoint[]): boolean {
    const converted = points.map(([id, d]): WeightedPoint => {
      const fv = sortAndMerge(this.converter.convertAndUpdateWeight(d));
      return { id, weight: 1, keys: fv.keys, values: fv.values, original: d };
    });
    for (const p of converted) this.storage.add(p);
    return true;
  }

  get_revision(): number {
    return this.storage.revision;
  }

  get_core_members(): WeightedDatum[][] {
    return this.method.getClusters(this.storage.all()).map((c) => c.map(weightedDatum));
  }

  get_core_members_light(): WeightedIndex[][] {
    return this.method.getClusters(this.storage.all()).map((c) => c.map(weightedIndex));
  }

  get_k_center(): Datum[] {
    return this.method.getKCenter().map(revertFeatures);
  }

  get_nearest_center(point: Datum): Datum {
    return revertFeatures(this.method.getNearestCenter(this.query(point)));
  }

  get_nearest_members(point: Datum): WeightedDatum[] {
    return this.nearestMembers(point).map(weightedDatum);
  }

  get_nearest_members_light(point: Datum): WeightedIndex[] {
    return this.nearestMembers(point).map(weightedIndex);
  }

  clear(): boolean {
    this.storage.clear();
    this.converter.clear();
    return true;
  }

  private query(d: Datum): FeatureVector {
    return sortAndMerge(this.converter.convert(d));
  }

  private nearestMembers(point: Datum): WeightedPoint[] {
    const index = this.method.getNearestCenterIndex(this.query(point));
    if (index < 0) return [];
    return this.method.getClusters(this.storage.all())[index] ?? [];
  }

  status(): Record<string, string> {
    return {
      num_points: String(this.storage.size()),
      revision: String(this.storage.revision),
    };
  }

  /** `[storage, weight_manager]`; simple: `[[revision, common], mine]`, compressive adds the buckets and carry count. */
  packModel(w: MsgWriter): void {
    w.arrayHeader(2);
    const s = this.storage;
    if (s instanceof SimpleStorage) {
      w.arrayHeader(2);
      this.packBase(w);
      writePoints(w, s.mine());
    } else {
      w.arrayHeader(3);
      this.packBase(w);
      w.arrayHeader(s.buckets.length);
      for (const b of s.buckets) writePoints(w, b);
      w.int(s.status);
    }
    this.converter.weights.pack(w);
  }

  private packBase(w: MsgWriter): void {
    w.arrayHeader(2);
    w.int(this.storage.revision);
    writeNamed(w, this.storage.common);
  }

  /** As 1.1.1's driver: clear (which resets the method), install, then re-cluster over everything loaded. */
  unpackModel(v: MsgValue): void {
    const top = expectArray(v, 'clustering model', 2);
    const s = this.storage;
    const parts = expectArray(top[0]!, 'clustering storage', s instanceof SimpleStorage ? 2 : 3);
    const base = expectArray(parts[0]!, 'clustering storage base', 2);
    const revision = expectNumber(base[0]!, 'revision');
    const common = readNamed(base[1]!, 'common points');
    const weights = WeightManager.unpack(top[1]!);
    let install: () => void;
    if (s instanceof SimpleStorage) {
      const mine = readPoints(parts[1]!, 'points');
      install = () => s.restore(revision, common, mine);
    } else {
      const buckets = expectArray(parts[1]!, 'buckets').map((b) => readPoints(b, 'bucket'));
      const status = expectNumber(parts[2]!, 'status');
      install = () => s.restore(revision, common, buckets, status);
    }
    this.clear();
    install();
    this.converter.setWeights(weights);
    this.method.batchUpdate(s.all());
  }

  linearMixable(): LinearMixable<unknown[]> {
    return composeLinear('clustering', [storagePart(this.storage), weightManagerPart(this.converter)]);
  }
}

function storagePart(s: PointStorage): LinearPart<NamedPoints> {
  return {
    packDiff: (w) => writeNamed(w, s.diff()),
    unpackDiff: (v) => readNamed(v, 'clustering diff'),
    mixDiff: (acc, incoming) => mixNamedPoints(acc, incoming),
    writeDiff: (w, d) => writeNamed(w, d),
    putDiff: (d) => s.putDiff(d),
  };
}

function weightedDatum(p: WeightedPoint): WeightedDatum {
  return [p.weight, p.original];
}

function weightedIndex(p: WeightedPoint): WeightedIndex {
  return [p.weight, p.id];
}

// `satisfies` keeps create's ClusteringEngine result for embedders and tests.
export const clusteringFactory = {
  type: 'clustering',
  presets: {
    // a stream message is one point: `[id, datum]` → push([[id, datum]])
    feed: { method: 'push', wrap: true, example: '["p1", {"x": 1.5, "y": -0.25}]' },
    // the cheapest analysis call that reads the model without growing it
    bench: { method: 'get_revision', args: [] },
    size: { keys: ['num_points'], label: 'POINTS' },
  },
  create(config: unknown, options: EngineOptions): ClusteringEngine {
    return new ClusteringEngine(parseClusteringConfig(config), options.owner);
  },
} satisfies ShippedEngineFactory;
