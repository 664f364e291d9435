/**
 * 1.1.1's graph_wo_index (engine spec §14): the nodes and edges this server holds, the global
 * node index (nodes created anywhere in the cluster whose CHT owners include this server), and
 * per preset query the PageRank scores and the landmarks' shortest-path trees. Each index update
 * (update_index standalone, MIX in a cluster) runs one power-iteration step and one relaxation
 * pass per tree, exactly as 1.1.1 does, so answers match step for step.
 */
import { idMap, OrderedHashMap } from '../common/hash-order.js';

export type Property = Map<string, string>;
export type Pair = [string, string];

export interface PresetQuery {
  edge: Pair[];
  node: Pair[];
}

export interface NodeInfo {
  property: Property;
  inEdges: number[];
  outEdges: number[];
}

export interface EdgeInfo {
  p: Property;
  src: number;
  tgt: number;
}

export interface EigenInfo {
  score: number;
  outDeg: number;
}

/** spt_edges: node → (distance, next node towards/from the landmark). */
export type SptEdges = Map<number, [number, number]>;

export interface Spt {
  landmark: number;
  fromRoot: SptEdges;
  toRoot: SptEdges;
}

export type EigenDiff = OrderedHashMap<number, EigenInfo>;

export interface QueryEntry<T> {
  query: PresetQuery;
  value: T;
}

export type EigenQueryMap = OrderedHashMap<string, QueryEntry<EigenDiff>>;
export type SptQueryMap = OrderedHashMap<string, QueryEntry<Spt[]>>;

export interface GraphDiff {
  eigen: EigenQueryMap;
  spt: SptQueryMap;
}

export interface GraphConfig {
  dampingFactor: number;
  landmarkNum: number;
}

/** Error texts are 1.1.1's exception tags (`unknown_id("get_node", id)` → "get_node"). */
export class GraphError extends Error {}

export function queryKey(q: PresetQuery): string {
  return JSON.stringify([q.edge, q.node]);
}

const PRIME = 1099511628211n;
const MASK = (1n << 64n) - 1n;
const BASIS = 14695981039346656037n;

function hashString(s: string, h: bigint): bigint {
  for (const b of Buffer.from(s, 'utf8')) {
    h = (h * PRIME) & MASK;
    // std::string's char is signed: bytes ≥ 0x80 are sign-extended before the xor.
    h ^= b >= 0x80 ? (MASK ^ 0xffn) | BigInt(b) : BigInt(b);
  }
  return (h * PRIME) & MASK;
}

function hashPairs(q: Pair[], h: bigint): bigint {
  for (const [k, v] of q) h = hashString(v, hashString(k, h));
  return h;
}

/** 1.1.1's hash<preset_query>: the edge query's strings then the node query's, FNV-1 style. */
export function presetQueryHash(q: PresetQuery): [number, number] {
  const h = hashPairs(q.node, hashPairs(q.edge, BASIS));
  return [Number(h >> 32n), Number(h & 0xffffffffn)];
}

export function queryMap<T>(): OrderedHashMap<string, QueryEntry<T>> {
  return new OrderedHashMap<string, QueryEntry<T>>((k) => {
    const [edge, node] = JSON.parse(k) as [Pair[], Pair[]];
    return presetQueryHash({ edge, node });
  });
}

function matches(query: Pair[], prop: Property): boolean {
  for (const [k, v] of query) if (prop.get(k) !== v) return false;
  return true;
}

function isEmptyQuery(q: PresetQuery): boolean {
  return q.edge.length === 0 && q.node.length === 0;
}

function removeBySwap(edges: number[], eid: number): void {
  const i = edges.indexOf(eid);
  if (i < 0) return;
  if (i + 1 < edges.length) {
    edges[i] = edges[edges.length - 1]!;
  }
  edges.length -= 1;
}

function normalize(v: EigenDiff): void {
  let sum = 0;
  for (const e of v.values()) sum += e.score;
  const normalizer = v.size / sum;
  for (const e of v.values()) e.score *= normalizer;
}

export class GraphModel {
  localNodes = idMap<NodeInfo>();
  localEdges = idMap<EdgeInfo>();
  globalNodes = idMap<number>();
  eigenScores: EigenQueryMap = queryMap<EigenDiff>();
  spts: SptQueryMap = queryMap<Spt[]>();

  constructor(readonly config: GraphConfig) {}

  clear(): void {
    this.localNodes.clear();
    this.localEdges.clear();
    this.globalNodes.clear();
    this.eigenScores.clear();
    this.spts.clear();
  }

  createNode(id: number): void {
    if (this.localNodes.has(id)) throw new GraphError('local_node_exists');
    this.localNodes.set(id, { property: new Map(), inEdges: [], outEdges: [] });
    this.maySetLandmark(id);
  }

  /** 1.1.1 stops at the first query that is full or does not match (a `return` in its loop). */
  private maySetLandmark(id: number): void {
    for (const { query, value } of this.spts.values()) {
      if (value.length === this.config.landmarkNum || !this.isNodeMatched(query, id)) return;
      value.push({ landmark: id, fromRoot: new Map(), toRoot: new Map() });
    }
  }

  createGlobalNode(id: number): void {
    if (this.globalNodes.has(id)) throw new GraphError('global_node_exists');
    this.globalNodes.set(id, 0);
  }

  removeGlobalNode(id: number): void {
    if (!this.globalNodes.has(id)) throw new GraphError('remove_global_node');
    this.globalNodes.delete(id);
  }

  updateNode(id: number, p: Property): void {
    const n = this.localNodes.get(id);
    if (!n) throw new GraphError('update_node');
    n.property = p;
    this.maySetLandmark(id);
  }

  removeNode(id: number): void {
    const n = this.localNodes.get(id);
    if (!n) throw new GraphError('remove_node');
    if (n.inEdges.length > 0 || n.outEdges.length > 0) {
      throw new GraphError(`graph_wo_index::remove_node node id=${id} cannot be removed because it has edges`);
    }
    this.localNodes.delete(id);
  }

  createEdge(eid: number, src: number, tgt: number): void {
    const s = this.localNodes.get(src);
    const t = this.localNodes.get(tgt);
    if (!s && !t) throw new GraphError(`graph_wo_index::create_edge unknown src id=${src} tgt id=${tgt}`);
    if (this.localEdges.has(eid)) throw new GraphError('edge_exists');
    this.localEdges.set(eid, { p: new Map(), src, tgt });
    if (s) s.outEdges.push(eid);
    if (t) t.inEdges.push(eid);
  }

  updateEdge(eid: number, p: Property): void {
    const e = this.localEdges.get(eid);
    if (!e) throw new GraphError('update_edge:eid');
    e.p = p;
  }

  removeEdge(eid: number): void {
    const e = this.localEdges.get(eid);
    if (!e) throw new GraphError('remove_edge:eid');
    const s = this.localNodes.get(e.src);
    if (s) removeBySwap(s.outEdges, eid);
    const t = this.localNodes.get(e.tgt);
    if (t) removeBySwap(t.inEdges, eid);
    this.localEdges.delete(eid);
  }

  addCentralityQuery(q: PresetQuery): void {
    const k = queryKey(q);
    if (!this.eigenScores.has(k)) this.eigenScores.set(k, { query: q, value: idMap<EigenInfo>() });
  }

  addShortestPathQuery(q: PresetQuery): void {
    const k = queryKey(q);
    if (!this.spts.has(k)) this.spts.set(k, { query: q, value: [] });
  }

  removeCentralityQuery(q: PresetQuery): void {
    this.eigenScores.delete(queryKey(q));
  }

  removeShortestPathQuery(q: PresetQuery): void {
    this.spts.delete(queryKey(q));
  }

  centrality(id: number, q: PresetQuery): number {
    const m = this.eigenScores.get(queryKey(q));
    if (!m) throw new GraphError('unknown_centrality_type');
    const e = m.value.get(id);
    if (!e) throw new GraphError('centrality');
    return e.score;
  }

  shortestPath(src: number, tgt: number, maxHop: number, q: PresetQuery): number[] {
    if (!this.globalNodes.has(src)) throw new GraphError('shortest_path:src');
    if (!this.globalNodes.has(tgt)) throw new GraphError('shortest_path:tgt');
    const entry = this.spts.get(queryKey(q));
    if (!entry) throw new GraphError('unknown_query');
    const mixed = entry.value;
    const ret: number[] = [];
    let minScore = Infinity;
    let ind = -1;
    for (let i = 0; i < mixed.length; i++) {
      const a = mixed[i]!.toRoot.get(src);
      const b = mixed[i]!.fromRoot.get(tgt);
      if (!a || !b) continue;
      const score = a[0] + b[0];
      if (score < minScore) {
        minScore = score;
        ind = i;
      }
    }
    if (ind < 0 || ind >= this.config.landmarkNum) return ret;
    const { toRoot, fromRoot, landmark } = mixed[ind]!;
    for (let cur = src; cur !== landmark;) {
      if (ret.length >= maxHop) return ret;
      const it = toRoot.get(cur);
      if (!it) return [];
      ret.push(cur);
      if (cur === tgt) return ret;
      cur = it[1];
    }
    ret.push(landmark);
    const fromPath: number[] = [];
    for (let cur = tgt; cur !== landmark;) {
      if (ret.length + fromPath.length >= maxHop) return ret;
      const it = fromRoot.get(cur);
      if (!it) return [];
      fromPath.push(cur);
      cur = it[1];
    }
    for (let i = fromPath.length - 1; i >= 0; i--) ret.push(fromPath[i]!);
    return ret;
  }

  getNode(id: number): NodeInfo {
    const n = this.localNodes.get(id);
    if (!n) throw new GraphError('get_node');
    return n;
  }

  getEdge(eid: number): EdgeInfo {
    const e = this.localEdges.get(eid);
    if (!e) throw new GraphError('get_edge');
    return e;
  }

  updateIndex(): void {
    this.updateSpt();
    this.putDiff(this.getDiff());
  }

  private isNodeMatched(q: PresetQuery, id: number): boolean {
    const n = this.localNodes.get(id);
    return !n || matches(q.node, n.property);
  }

  private getDiffEigen(): EigenQueryMap {
    const diff = queryMap<EigenDiff>();
    const d = this.config.dampingFactor;
    for (const { query, value: model } of this.eigenScores.values()) {
      let dist = 0;
      for (const e of model.values()) if (e.outDeg === 0) dist += e.score;
      const unmatched = new Set<number>();
      let newNodes = 0;
      let fromNew = 0;
      for (const [id, n] of this.localNodes) {
        if (!model.has(id)) {
          if (!matches(query.node, n.property)) {
            unmatched.add(id);
            continue;
          }
          fromNew += 1.0;
          ++newNodes;
        }
      }
      dist += fromNew;
      if (model.size + newNodes > 0) dist /= model.size + newNodes;
      const qdiff = idMap<EigenInfo>();
      diff.set(queryKey(query), { query, value: qdiff });
      for (const [id, n] of this.localNodes) {
        if (unmatched.has(id)) continue;
        if (!matches(query.node, n.property)) {
          unmatched.add(id);
          continue;
        }
        let score = 0;
        for (const eid of n.inEdges) {
          // 1.1.1 looks the edge id up among the unmatched node ids (sic).
          if (unmatched.has(eid)) continue;
          const edge = this.localEdges.get(eid);
          if (!edge) continue;
          if (unmatched.has(edge.src)) continue;
          if (!matches(query.edge, edge.p)) continue;
          const it = model.get(edge.src);
          if (!it) continue;
          if (it.outDeg !== 0) score += it.score / it.outDeg;
        }
        const ei: EigenInfo = { score: d * score + 1 - d + d * dist, outDeg: 0 };
        if (isEmptyQuery(query)) ei.outDeg = n.outEdges.length;
        else {
          let out = 0;
          for (const eid of n.outEdges) {
            const edge = this.localEdges.get(eid)!;
            if (unmatched.has(edge.tgt)) continue;
            if (!this.isNodeMatched(query, edge.tgt)) {
              unmatched.add(edge.tgt);
              continue;
            }
            if (!matches(query.edge, edge.p)) continue;
            ++out;
          }
          ei.outDeg = out;
        }
        qdiff.set(id, ei);
      }
    }
    return diff;
  }

  /**
   * The edges one relaxation pass visits, as (from, to) pairs in 1.1.1's visiting order: nodes in
   * table order, each node's edge list in order (out-edges reversed for the trees towards the
   * landmark, in-edges for the trees from it), those that do not match the query left out.
   * The graph does not change during a pass, so every landmark's tree walks the same list.
   */
  private relaxationPairs(q: PresetQuery, isOut: boolean): number[] {
    const pairs: number[] = [];
    const anyNode = q.node.length === 0;
    for (const n of this.localNodes.values()) {
      for (const eid of isOut ? n.inEdges : n.outEdges) {
        const edge = this.localEdges.get(eid);
        if (!edge) continue;
        const from = isOut ? edge.src : edge.tgt;
        const to = isOut ? edge.tgt : edge.src;
        if (!matches(q.edge, edge.p)) continue;
        if (!anyNode && (!this.isNodeMatched(q, from) || !this.isNodeMatched(q, to))) continue;
        pairs.push(from, to);
      }
    }
    return pairs;
  }

  /** 1.1.1's update_spt_edges: the landmark at distance 0, then one pass over the pairs. */
  private static relax(se: SptEdges, landmark: number, pairs: number[]): void {
    se.set(landmark, [0, landmark]);
    for (let i = 0; i < pairs.length; i += 2) {
      const from = pairs[i]!;
      const tr = se.get(from);
      if (!tr) continue;
      const to = pairs[i + 1]!;
      const dist = tr[0] + 1;
      const tj = se.get(to);
      if (tj) {
        if (dist < tj[0]) {
          tj[0] = dist;
          tj[1] = from;
        }
      } else se.set(to, [dist, from]);
    }
  }

  updateSpt(): void {
    for (const { query, value } of this.spts.values()) {
      if (value.length === 0) continue;
      const toward = this.relaxationPairs(query, false);
      const away = this.relaxationPairs(query, true);
      for (const spt of value) {
        GraphModel.relax(spt.toRoot, spt.landmark, toward);
        GraphModel.relax(spt.fromRoot, spt.landmark, away);
      }
    }
  }

  private getDiffSpt(): SptQueryMap {
    const all = queryMap<Spt[]>();
    for (const { query, value: mixed } of this.spts.values()) {
      const diff: Spt[] = [];
      for (const spt of mixed) {
        const t: Spt = { landmark: spt.landmark, fromRoot: new Map(), toRoot: new Map() };
        for (const id of this.localNodes.keys()) {
          const f = spt.fromRoot.get(id);
          if (f) t.fromRoot.set(id, [f[0], f[1]]);
          const r = spt.toRoot.get(id);
          if (r) t.toRoot.set(id, [r[0], r[1]]);
        }
        diff.push(t);
      }
      all.set(queryKey(query), { query, value: diff });
    }
    return all;
  }

  /** get_diff (it relaxes the trees once more first, as 1.1.1's does). */
  getDiff(): GraphDiff {
    this.updateSpt();
    return { eigen: this.getDiffEigen(), spt: this.getDiffSpt() };
  }

  putDiff(mixed: GraphDiff): boolean {
    this.eigenScores = mixed.eigen;
    for (const e of this.eigenScores.values()) normalize(e.value);
    this.spts = mixed.spt;
    return true;
  }

  findMaxIntId(): number {
    let max = 0;
    for (const id of this.localNodes.keys()) if (id > max) max = id;
    for (const id of this.localEdges.keys()) if (id > max) max = id;
    for (const id of this.globalNodes.keys()) if (id > max) max = id;
    return max;
  }
}

/** 1.1.1's mix of two diffs: `incoming` folded into `acc` (scores overwritten per node, trees merged by landmark). */
export function mixGraphDiff(acc: GraphDiff, incoming: GraphDiff, landmarkNum: number): GraphDiff {
  for (const [k, { query, value }] of incoming.eigen) {
    let evm = acc.eigen.get(k);
    if (!evm) {
      evm = { query, value: idMap<EigenInfo>() };
      acc.eigen.set(k, evm);
    }
    for (const [id, e] of value) evm.value.set(id, { score: e.score, outDeg: e.outDeg });
  }
  for (const [k, { query, value: diff }] of incoming.spt) {
    let entry = acc.spt.get(k);
    if (!entry) {
      entry = { query, value: [] };
      acc.spt.set(k, entry);
    }
    const mixed = entry.value;
    const diffIdx = new Map<number, number>();
    diff.forEach((t, i) => diffIdx.set(t.landmark, i));
    const mixedIdx = new Map<number, number>();
    mixed.forEach((t, i) => mixedIdx.set(t.landmark, i));
    // std::map: landmarks in ascending order.
    for (const lm of [...diffIdx.keys()].sort((a, b) => a - b)) {
      const d = diff[diffIdx.get(lm)!]!;
      const j = mixedIdx.get(lm);
      if (j !== undefined) {
        const m = mixed[j]!;
        for (const [id, v] of d.fromRoot) m.fromRoot.set(id, [v[0], v[1]]);
        for (const [id, v] of d.toRoot) m.toRoot.set(id, [v[0], v[1]]);
      } else if (mixed.length < landmarkNum) {
        mixed.push({ landmark: d.landmark, fromRoot: new Map(d.fromRoot), toRoot: new Map(d.toRoot) });
      }
    }
  }
  return acc;
}
