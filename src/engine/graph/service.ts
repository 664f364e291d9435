/**
 * The graph engine (engine spec §14; 1.1.1's jubagraph with graph_wo_index). Node and edge ids
 * come from one counter: in-process standalone (from 0; after a load, one past the largest id
 * in the model), ZooKeeper's cluster-wide id generator in a cluster, where `create_node` places
 * the node on its two CHT owners (`create_node_here`), `create_edge` the edge on its source's
 * owners (`create_edge_here`), and `remove_node` forgets the node in every member's global index
 * (`remove_global_node`) — see `globalIdMethods`. MIX shares the PageRank scores and the
 * shortest-path trees (one linear part, 1.1.1's `[eigen_vector_query, spt_query]`).
 * Model file: 1.1.1's `[local_nodes, local_edges, global_nodes, eigen_scores, spts]`.
 */
import { ConfigError } from '../../errors.js';
import { expectArray, expectMap, expectNumber, expectString, MsgpackError, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { asObject, checkKeys, reqString } from '../config-cast.js';
import type { Engine, EngineOptions, GlobalIdMethod, LinearMixable, ShippedEngineFactory } from '../engine.js';
import { composeLinear, type LinearPart } from '../mixable.js';
import { idMap } from '../common/hash-order.js';
import {
  GraphError, GraphModel, mixGraphDiff, queryKey, queryMap, type EigenDiff, type EigenInfo, type GraphConfig, type GraphDiff,
  type Pair, type PresetQuery as ModelQuery, type Property, type Spt, type SptEdges,
} from './model.js';
import type { Edge, GraphService, Node, PresetQuery, ShortestPathQuery } from './service-types.js';

const UINT64_MAX = 18446744073709551615n;

/**
 * lexical_cast<uint64_t>(id): anything but the decimal digits of a uint64 is `std::bad_cast` (an
 * error string, as 1.1.1 sends it). Ids juba hands out are below 2^53; a larger one comes back
 * as a number no stored id equals, so looking it up fails with 1.1.1's "unknown id" text.
 */
export function n2i(id: string): number {
  if (!/^[0-9]+$/.test(id) || BigInt(id) > UINT64_MAX) throw new Error('std::bad_cast');
  return Number(id);
}

/** An id this server stores under (internal calls): one juba or 1.1.1 could have handed out. */
function storedId(n: number, what: string): number {
  if (!Number.isSafeInteger(n)) throw new Error(`${what} id ${n} is beyond 2^53, which juba does not store`);
  return n;
}

function toQuery(q: PresetQuery): ModelQuery {
  return { edge: q[0].map(([k, v]) => [k, v] as Pair), node: q[1].map(([k, v]) => [k, v] as Pair) };
}

/** std::map<string, string>: keys in byte order. */
function sortedProperty(p: Property): Map<string, string> {
  return new Map([...p].sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]))));
}

/** A property map as decoded (Map), or a plain object from an embedder. */
function toProperty(p: Map<string, string> | Record<string, string>): Property {
  return p instanceof Map ? new Map(p) : new Map(Object.entries(p));
}

/** An edge id as decoded (ulong); beyond 2^53 it matches no stored edge, as in n2i. */
function edgeId(id: number | bigint): number {
  return Number(id);
}

export class GraphEngine implements Engine, GraphService {
  readonly type = 'graph';
  readonly userDataVersion = 1;
  readonly model: GraphModel;
  /** The standalone id counter (1.1.1's global_id_generator_standalone). */
  private nextId = 0;

  constructor(readonly config: GraphConfig, private readonly distributed = false) {
    this.model = new GraphModel(config);
  }

  private generate(): number {
    return this.nextId++;
  }

  // --- IDL methods -----------------------------------------------------------------------

  create_node(): string {
    const id = this.generate();
    this.createNodeHere(id);
    return String(id);
  }

  /** 1.1.1's driver create_node_here: local and global node; an existing one is passed over. */
  private createNodeHere(id: number): void {
    try {
      this.model.createNode(id);
      this.model.createGlobalNode(id);
    } catch (e) {
      if (!(e instanceof GraphError && (e.message === 'local_node_exists' || e.message === 'global_node_exists'))) throw e;
    }
  }

  remove_node(nodeId: string): boolean {
    const id = n2i(nodeId);
    this.model.removeNode(id);
    this.model.removeGlobalNode(id);
    return true;
  }

  update_node(nodeId: string, property: Map<string, string>): boolean {
    this.model.updateNode(n2i(nodeId), toProperty(property));
    return true;
  }

  create_edge(_nodeId: string, e: Edge): number {
    const eid = this.generate();
    this.createEdgeHere(eid, e);
    return eid;
  }

  private createEdgeHere(eid: number, e: Edge): void {
    const src = n2i(e[1]);
    const tgt = n2i(e[2]);
    if (this.model.localNodes.has(src) || this.model.localNodes.has(tgt)) {
      storedId(src, 'node');
      storedId(tgt, 'node');
    }
    this.model.createEdge(eid, src, tgt);
    this.model.updateEdge(eid, toProperty(e[0]));
  }

  update_edge(_nodeId: string, edgeIdArg: number | bigint, e: Edge): boolean {
    this.model.updateEdge(edgeId(edgeIdArg), toProperty(e[0]));
    return true;
  }

  remove_edge(_nodeId: string, edgeIdArg: number | bigint): boolean {
    this.model.removeEdge(edgeId(edgeIdArg));
    return true;
  }

  get_centrality(nodeId: string, centralityType: number, query: PresetQuery): number {
    if (centralityType !== 0) throw new Error(`unknown centrality type: ${centralityType}`);
    return this.model.centrality(n2i(nodeId), toQuery(query));
  }

  add_centrality_query(query: PresetQuery): boolean {
    this.model.addCentralityQuery(toQuery(query));
    return true;
  }

  add_shortest_path_query(query: PresetQuery): boolean {
    this.model.addShortestPathQuery(toQuery(query));
    return true;
  }

  remove_centrality_query(query: PresetQuery): boolean {
    this.model.removeCentralityQuery(toQuery(query));
    return true;
  }

  remove_shortest_path_query(query: PresetQuery): boolean {
    this.model.removeShortestPathQuery(toQuery(query));
    return true;
  }

  get_shortest_path(q: ShortestPathQuery): string[] {
    return this.model.shortestPath(n2i(q[0]), n2i(q[1]), q[2], toQuery(q[3])).map(String);
  }

  update_index(): boolean {
    if (this.distributed) throw new Error('manual mix is available only in standalone mode.');
    this.model.updateIndex();
    return true;
  }

  clear(): boolean {
    this.model.clear();
    return true;
  }

  get_node(nodeId: string): Node {
    const n = this.model.getNode(n2i(nodeId));
    return [sortedProperty(n.property), [...n.inEdges], [...n.outEdges]];
  }

  get_edge(_nodeId: string, edgeIdArg: number | bigint): Edge {
    const e = this.model.getEdge(edgeId(edgeIdArg));
    return [sortedProperty(e.p), String(e.src), String(e.tgt)];
  }

  create_node_here(nodeId: string): boolean {
    this.createNodeHere(storedId(n2i(nodeId), 'node'));
    return true;
  }

  remove_global_node(nodeId: string): boolean {
    this.model.removeGlobalNode(n2i(nodeId));
    return true;
  }

  create_edge_here(edgeIdArg: number | bigint, e: Edge): boolean {
    this.createEdgeHere(storedId(edgeId(edgeIdArg), 'edge'), e);
    return true;
  }

  // --- cluster ---------------------------------------------------------------------------

  /**
   * In a cluster (1.1.1's graph_serv): ids from ZooKeeper; a node on its id's two CHT owners,
   * an edge on its source's two owners; remove_node here, then the node leaves every other
   * member's global index.
   */
  globalIdMethods(): Record<string, GlobalIdMethod> {
    return {
      create_node: {
        idCount: () => 1,
        write: (ids) => ({
          kind: 'cht',
          replicas: 2,
          method: 'create_node_here',
          args: [ids[0]!],
          answer: () => ids[0]!,
          failure: (message, owner) => `failed to create node ${ids[0]!} (${message}): ${owner}`,
        }),
      },
      create_edge: {
        idCount: () => 1,
        write: (ids, args) => {
          const e = args[1] as Edge;
          const eid = Number(ids[0]!);
          return {
            kind: 'cht',
            key: e[1],
            replicas: 2,
            method: 'create_edge_here',
            args: [eid, e],
            answer: () => eid,
            failure: (message) => message,
          };
        },
      },
      remove_node: {
        idCount: () => 0,
        write: (_ids, args) => ({
          kind: 'local',
          run: () => this.remove_node(args[0] as string),
          thenOnOthers: { method: 'remove_global_node', args: [args[0]] },
        }),
      },
    };
  }

  /**
   * nolock in the IDL, but 1.1.1's graph_serv takes the write lock inside them; remove_node
   * also counts as an update (it calls event_model_updated), create_node and create_edge do not.
   */
  nolockWrites(): Record<string, { counted: boolean }> {
    return { create_node: { counted: false }, create_edge: { counted: false }, remove_node: { counted: true } };
  }

  linearMixable(): LinearMixable<unknown[]> {
    return composeLinear('graph', [this.graphPart()]);
  }

  private graphPart(): LinearPart<GraphDiff> {
    return {
      packDiff: (w) => writeDiff(w, this.model.getDiff()),
      unpackDiff: (v) => readDiff(v),
      mixDiff: (acc, incoming) => mixGraphDiff(acc, incoming, this.config.landmarkNum),
      writeDiff,
      putDiff: (d) => this.model.putDiff(d),
    };
  }

  // --- status and model file ---------------------------------------------------------------

  status(): Record<string, string> {
    return {
      local_node_num: String(this.model.localNodes.size),
      global_node_num: String(this.model.globalNodes.size),
      local_edge_num: String(this.model.localEdges.size),
    };
  }

  packModel(w: MsgWriter): void {
    const m = this.model;
    w.arrayHeader(5);
    w.mapHeader(m.localNodes.size);
    for (const [id, n] of m.localNodes) {
      w.int(id);
      w.arrayHeader(3);
      writeProperty(w, n.property);
      writeIds(w, n.inEdges);
      writeIds(w, n.outEdges);
    }
    w.mapHeader(m.localEdges.size);
    for (const [id, e] of m.localEdges) {
      w.int(id);
      w.arrayHeader(3);
      writeProperty(w, e.p);
      w.int(e.src);
      w.int(e.tgt);
    }
    w.mapHeader(m.globalNodes.size);
    for (const [id, v] of m.globalNodes) {
      w.int(id);
      w.int(v);
    }
    writeEigen(w, m.eigenScores);
    writeSpts(w, m.spts);
  }

  unpackModel(v: MsgValue): void {
    const top = expectArray(v, 'graph model', 5);
    const m = new GraphModel(this.config);
    for (const [k, x] of expectMap(top[0]!, 'graph local_nodes').entries) {
      const [p, ins, outs] = expectArray(x, 'graph node', 3);
      m.localNodes.set(readId(k, 'graph node id'), { property: readProperty(p!), inEdges: readIds(ins!), outEdges: readIds(outs!) });
    }
    for (const [k, x] of expectMap(top[1]!, 'graph local_edges').entries) {
      const [p, s, t] = expectArray(x, 'graph edge', 3);
      m.localEdges.set(readId(k, 'graph edge id'), { p: readProperty(p!), src: readId(s!, 'graph edge src'), tgt: readId(t!, 'graph edge tgt') });
    }
    for (const [k, x] of expectMap(top[2]!, 'graph global_nodes').entries) {
      m.globalNodes.set(readId(k, 'graph global node id'), expectNumber(x, 'graph global node'));
    }
    m.eigenScores = readEigen(top[3]!);
    m.spts = readSpts(top[4]!);
    this.model.localNodes = m.localNodes;
    this.model.localEdges = m.localEdges;
    this.model.globalNodes = m.globalNodes;
    this.model.eigenScores = m.eigenScores;
    this.model.spts = m.spts;
    // 1.1.1 restarts its standalone counter after the largest id (graph_serv::reset_id_generator).
    this.nextId = m.findMaxIntId() + 1;
  }
}

// --- msgpack forms -----------------------------------------------------------------------

function writeProperty(w: MsgWriter, p: Property): void {
  const s = sortedProperty(p);
  w.mapHeader(s.size);
  for (const [k, v] of s) {
    w.str(k);
    w.str(v);
  }
}

function writeIds(w: MsgWriter, ids: number[]): void {
  w.arrayHeader(ids.length);
  for (const id of ids) w.int(id);
}

function writeQuery(w: MsgWriter, q: ModelQuery): void {
  w.arrayHeader(2);
  for (const list of [q.edge, q.node]) {
    w.arrayHeader(list.length);
    for (const [k, v] of list) {
      w.arrayHeader(2);
      w.str(k);
      w.str(v);
    }
  }
}

function writeEigen(w: MsgWriter, m: GraphDiff['eigen']): void {
  w.mapHeader(m.size);
  for (const { query, value } of m.values()) {
    writeQuery(w, query);
    w.mapHeader(value.size);
    for (const [id, e] of value) {
      w.int(id);
      w.arrayHeader(2);
      w.float64(e.score);
      w.int(e.outDeg);
    }
  }
}

function writeSptEdges(w: MsgWriter, se: SptEdges): void {
  w.mapHeader(se.size);
  for (const [id, [d, next]] of se) {
    w.int(id);
    w.arrayHeader(2);
    w.int(d);
    w.int(next);
  }
}

function writeSpts(w: MsgWriter, m: GraphDiff['spt']): void {
  w.mapHeader(m.size);
  for (const { query, value } of m.values()) {
    writeQuery(w, query);
    w.arrayHeader(value.length);
    for (const t of value) {
      w.arrayHeader(3);
      w.int(t.landmark);
      writeSptEdges(w, t.fromRoot);
      writeSptEdges(w, t.toRoot);
    }
  }
}

function writeDiff(w: MsgWriter, d: GraphDiff): void {
  w.arrayHeader(2);
  writeEigen(w, d.eigen);
  writeSpts(w, d.spt);
}

function readId(v: MsgValue, what: string): number {
  const n = typeof v === 'bigint' ? Number(v) : expectNumber(v, what);
  if (!Number.isSafeInteger(n) || n < 0) throw new MsgpackError(`${what}: expected an id, got ${String(v)}`);
  return n;
}

function readIds(v: MsgValue): number[] {
  return expectArray(v, 'graph edge ids').map((x) => readId(x, 'graph edge id'));
}

function readProperty(v: MsgValue): Property {
  const p = new Map<string, string>();
  for (const [k, x] of expectMap(v, 'graph property').entries) p.set(expectString(k, 'graph property key'), expectString(x, 'graph property value'));
  return p;
}

function readQuery(v: MsgValue): ModelQuery {
  const [e, n] = expectArray(v, 'graph preset_query', 2);
  const pairs = (x: MsgValue): Pair[] => expectArray(x, 'graph query').map((p) => {
    const [k, val] = expectArray(p, 'graph query pair', 2);
    return [expectString(k!, 'graph query key'), expectString(val!, 'graph query value')];
  });
  return { edge: pairs(e!), node: pairs(n!) };
}

function readEigen(v: MsgValue): GraphDiff['eigen'] {
  const out = queryMap<EigenDiff>();
  for (const [k, x] of expectMap(v, 'graph eigen scores').entries) {
    const query = readQuery(k);
    const scores = idMap<EigenInfo>();
    for (const [id, e] of expectMap(x, 'graph eigen vector').entries) {
      const [s, d] = expectArray(e, 'graph eigen info', 2);
      scores.set(readId(id, 'graph eigen node'), { score: expectNumber(s!, 'graph eigen score'), outDeg: readId(d!, 'graph out degree') });
    }
    out.set(queryKey(query), { query, value: scores });
  }
  return out;
}

function readSptEdges(v: MsgValue): SptEdges {
  const se: SptEdges = new Map();
  for (const [id, x] of expectMap(v, 'graph spt edges').entries) {
    const [d, next] = expectArray(x, 'graph spt edge', 2);
    se.set(readId(id, 'graph spt node'), [readId(d!, 'graph spt distance'), readId(next!, 'graph spt next')]);
  }
  return se;
}

function readSpts(v: MsgValue): GraphDiff['spt'] {
  const out = queryMap<Spt[]>();
  for (const [k, x] of expectMap(v, 'graph spts').entries) {
    const query = readQuery(k);
    const trees = expectArray(x, 'graph spt list').map((t) => {
      const [lm, from, to] = expectArray(t, 'graph spt', 3);
      return { landmark: readId(lm!, 'graph landmark'), fromRoot: readSptEdges(from!), toRoot: readSptEdges(to!) };
    });
    out.set(queryKey(query), { query, value: trees });
  }
  return out;
}

function readDiff(v: MsgValue): GraphDiff {
  const [e, s] = expectArray(v, 'graph diff', 2);
  return { eigen: readEigen(e!), spt: readSpts(s!) };
}

// --- config and factory ------------------------------------------------------------------

export function parseGraphConfig(config: unknown): GraphConfig {
  const root = asObject(config, '');
  checkKeys(root, ['method', 'parameter'], '');
  const method = reqString(root, 'method', '');
  if (method !== 'graph_wo_index') throw new ConfigError('method', `unknown method "${method}" (expected graph_wo_index)`);
  const p = asObject(root.parameter, 'parameter');
  checkKeys(p, ['damping_factor', 'landmark_num'], 'parameter');
  const d = p.damping_factor;
  if (typeof d !== 'number') throw new ConfigError('parameter.damping_factor', 'required number is missing');
  if (!(d > 0 && d < 1)) throw new ConfigError('parameter.damping_factor', `0.0 < damping_factor < 1.0 (got ${d})`);
  const l = p.landmark_num;
  if (typeof l !== 'number' || !Number.isInteger(l)) throw new ConfigError('parameter.landmark_num', 'required integer is missing');
  if (l < 0 || l > 2147483647) throw new ConfigError('parameter.landmark_num', `0 <= landmark_num (got ${l})`);
  return { dampingFactor: d, landmarkNum: l };
}

// `satisfies` keeps create's GraphEngine result for embedders and tests.
export const graphFactory = {
  type: 'graph',
  presets: {
    // A stream of node properties: [node_id, property] → update_node(node_id, property)
    // (create_node and create_edge draw ids and are nolock, so they are no feed updates).
    feed: { method: 'update_node', wrap: false, example: '["0", {"color": "red"}]', idempotent: true },
    // get_node: the cheapest analysis call that reads the model. Node "1" exists once a cluster
    // created one node (its ids start at 1) or a standalone server two (they start at 0); no
    // graph analysis call succeeds on an empty model, and graph has no get_all_rows for {id}.
    bench: { method: 'get_node', args: ['1'] },
    size: { keys: ['local_node_num'], label: 'NODES' },
  },
  create(config: unknown, options: EngineOptions): GraphEngine {
    return new GraphEngine(parseGraphConfig(config), options.distributed ?? false);
  },
} satisfies ShippedEngineFactory;
