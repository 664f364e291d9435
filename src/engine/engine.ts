/**
 * What the server and the tools need from an engine. An engine is pure and synchronous: it
 * `implements` the service interface generated from `idl/<type>.idl`
 * (`src/engine/<type>/service-types.ts`, written by `juba gen`), so a missing or mistyped
 * method is a compile error, and it knows how to pack and unpack its model. Its factory carries
 * its config schema and the presets the tools use (feed mapping, bench call, size key).
 */
import type { MsgWriter } from '../msgpack/writer.js';
import type { MsgValue } from '../msgpack/reader.js';

export interface EngineOptions {
  /** This server's `ip_port`, stored as the owner of rows it writes (Jubatus writes it even standalone). */
  owner: string;
  /**
   * True when the server runs in a cluster (-z): 1.1.1 then picks MIX-ready storage variants
   * (the linear models' `local_storage_mixture` instead of `local_storage`). Default false.
   */
  distributed?: boolean;
  /**
   * In a cluster: whether this server is among the first `replicas` owners of `key` on the
   * consistent-hash ring (burst processes only the keywords the ring assigns it). Absent: every
   * key is this server's (standalone).
   */
  owns?: (key: string, replicas: number) => boolean;
}

export interface Engine {
  readonly type: string;
  /** Checked on load and on MIX catch-up (framework spec §8, §6.1). */
  readonly userDataVersion: number;
  /** Engine-specific `get_status` keys (values are strings). */
  status(): Record<string, string>;
  /** Writes the driver-specific model: the second element of the model file's user data. */
  packModel(w: MsgWriter): void;
  /** Replaces the model with a decoded one. Throws (and changes nothing) when it is malformed. */
  unpackModel(v: MsgValue): void;
  /**
   * The engine's linear-MIX side (framework spec §6.1), usually `composeLinear(parts)` from
   * `engine/mixable.ts`; absent or undefined = linear_mixer is refused at start.
   */
  linearMixable?(): LinearMixable<unknown> | undefined;
  /**
   * The engine's push-MIX side (framework spec §6.2); absent or undefined (the configured method
   * has no push mixable) = the push mixers are refused at start.
   */
  pushMixable?(): PushMixable | undefined;
  /**
   * Called (under the write lock) when the cluster's members changed, for engines that split
   * work by `EngineOptions.owns`; absent = nothing to do.
   */
  membersChanged?(): void;
  /**
   * Analysis methods this engine can run on the server's other threads (`-c N`); absent or
   * undefined = every call runs on the main thread.
   */
  parallelAnalysis?(): ParallelAnalysis | undefined;
  /**
   * IDL methods that store new rows under ids the cluster hands out (framework spec §3.4, §4;
   * 1.1.1's anomaly add/add_bulk). Standalone they are plain IDL methods and the engine draws
   * the ids itself; a cluster server draws them from ZooKeeper's id generator and runs the
   * call as `GlobalIdMethod` says. Absent or undefined = the engine has none.
   */
  globalIdMethods?(): Readonly<Record<string, GlobalIdMethod>> | undefined;
  /**
   * IDL methods declared `nolock` that write the model all the same (1.1.1 takes the write lock
   * inside them: graph's create_node, create_edge, remove_node). The server runs them under the
   * write lock; `counted` ones also count in `update_count` (graph's remove_node calls
   * event_model_updated itself). Absent = none.
   */
  nolockWrites?(): Readonly<Record<string, { counted: boolean }>>;
}

/**
 * How a cluster server runs a method whose rows take cluster-wide ids: it draws `idCount` ids
 * (without holding the model lock), then `write` says where the rows go.
 * * `local`: `run` stores them here; the server runs it under the write lock and counts an update.
 * * `cht`: the first id's `replicas` CHT owners each run this engine's IDL update method
 *   `method` with `args` (this server directly, under its write lock; the others by RPC). The
 *   first owner's answer, through `answer`, is the call's; a failure there fails the call, a
 *   failing further replica is only logged (1.1.1's anomaly add_zk).
 */
export interface GlobalIdMethod {
  /** How many ids a call with these decoded arguments needs. */
  idCount(args: unknown[]): number;
  write(ids: string[], args: unknown[]): GlobalIdWrite;
}

export type GlobalIdWrite =
  | {
    kind: 'local';
    run: () => unknown;
    /**
     * After `run` succeeded, every other member of the cluster runs this engine's IDL method
     * `method` with `args` (no lock held here meanwhile); their failures are only logged
     * (1.1.1's graph remove_node → remove_global_node).
     */
    thenOnOthers?: { method: string; args: unknown[] };
  }
  | {
    kind: 'cht';
    /** The CHT key whose owners store the rows; default the first id. */
    key?: string;
    replicas: number;
    method: string;
    args: unknown[];
    answer: (first: unknown) => unknown;
    /** The call's error text when the first owner fails (`owner` as host:port); default 1.1.1's anomaly "failed to add ID …". */
    failure?: (message: string, owner: string) => string;
  };

/**
 * How an analysis call runs on another thread: the engine keeps the columns a search reads in
 * shared memory, and each analysis thread loads `readerModule`, attaches to them and ranks in
 * place. A call is split in three: `begin` here (look the query up, sign it), the reader's
 * `run` there, `end` here (ids and scores). The server holds the read lock from `begin` to
 * `end`, so a reader never sees a half-applied update; `begin` + `run` + `end` must give what
 * the engine's own method gives, bit for bit.
 */
export interface ParallelAnalysis {
  /** URL of the ES module analysis threads load; its `createReader()` returns an AnalysisReader. */
  readonly readerModule: string;
  /** Most threads (this one included) that can read the model at once. */
  readonly maxThreads: number;
  /** True for the IDL methods that may run on another thread. */
  has(method: string): boolean;
  /**
   * Handles to the shared model (structured-cloneable: SharedArrayBuffers, shared wasm
   * memories, numbers). The same object while they stay valid; a new one after a reallocation
   * or a model replacement, which the server then sends to each thread before its next call.
   */
  shared(): unknown;
  /** This thread's half before: a task for a reader, or `{ result }` when nothing needs ranking. */
  begin(method: string, args: unknown[]): { task: unknown } | { result: unknown };
  /** This thread's half after: the method's result from the reader's reply. */
  end(method: string, args: unknown[], reply: unknown): unknown;
}

/** The reader side of ParallelAnalysis, one per analysis thread. */
export interface AnalysisReader {
  /** Attaches to the handles `shared()` gave; `slot` (≥ 1) is this thread's own scratch number. */
  attach(shared: unknown, slot: number): void;
  /** Runs one task against the model as attached; the reply is structured-cloneable. */
  run(task: unknown): unknown;
}

/**
 * What linear_mixer needs from an engine (the Jubatus driver's linear mixables, as one). Every
 * payload is the msgpack array `[part_1 … part_k]`, one part per linear mixable in the driver's
 * registration order; the mixer wraps it once more as raw on the wire. `D` is the decoded diff,
 * opaque to the mixer. Methods are called under the model lock the spec names (§11.3).
 */
export interface LinearMixable<D> {
  /** get_diff: writes the local diff since the last mix. */
  packDiff(w: MsgWriter): void;
  /** Decodes a get_diff/put_diff payload; throws (changing nothing) when it is malformed. */
  unpackDiff(v: MsgValue): D;
  /** The master's fold: merges `incoming` into `acc` (may reuse and return either). */
  mixDiff(acc: D, incoming: D): D;
  /** Writes a (merged) diff in get_diff form, for put_diff. */
  writeDiff(w: MsgWriter, d: D): void;
  /** Applies a merged diff; false when some part was built for another model version (obsolete). */
  putDiff(d: D): boolean;
}

/**
 * What the push mixers (random/broadcast/skip) need: pairwise pull/push of what the peer lacks.
 * Payloads are `[part_1 … part_k]` over the push mixables; they arrive as the bytes of that
 * array so an engine can parse large row lists without building a msgpack tree.
 */
export interface PushMixable {
  /** get_pull_argument: what this side already has (e.g. a version clock per part). */
  writePullArgument(w: MsgWriter): void;
  /** pull: writes what a peer with pull argument `arg` lacks. Throws when `arg` is malformed. */
  pull(arg: Uint8Array, w: MsgWriter): void;
  /** push: applies what `pull` produced on a peer. Throws (changing nothing) when malformed. */
  push(diff: Uint8Array): void;
}

/**
 * What the tools know of an engine without running it: the stream workflow's update, the
 * benchmark's analysis call, and the status key dashboards show as the model's size.
 */
export interface EnginePresets {
  /**
   * `juba feed`: the update method a message goes to. `wrap: false`: the message is the
   * method's argument list (`[id, datum]` → `set_row(id, datum)`). `wrap: true`: the message is
   * one element of the method's only list parameter (`[label, datum]` → `train([[label, datum]])`).
   */
  feed: {
    method: string; wrap: boolean; example: string;
    /**
     * Applying the same message twice leaves the model as once (set_row, update_row,
     * update_node): `juba feed --durable` re-sends it freely. Otherwise (train, push, add) a
     * message is re-sent only when the server that applied it is gone.
     */
    idempotent?: boolean;
  };
  /** `juba bench`: method and argument template (`{id}` = a random stored id from `get_all_rows`). */
  bench: { method: string; args: unknown[] };
  /**
   * `juba top` / `ctl status`: the `get_status` keys that give the model's size (the first one a
   * member reports wins: an engine's methods may report different ones), and the column title.
   */
  size: { keys: readonly string[]; label: string };
}

export interface EngineFactory {
  readonly type: string;
  /** Shipped engines always have them (ShippedEngineFactory); a user's IDL service has none. */
  readonly presets?: EnginePresets;
  /**
   * Validates a parsed JSON config (throws ConfigError naming the key) and builds an engine.
   * `config` is the result of JSON parsing; the server keeps the original text.
   */
  create(config: unknown, options: EngineOptions): Engine;
}

/** A factory of an engine juba ships: one line in `engine/registry.ts`. */
export interface ShippedEngineFactory extends EngineFactory {
  readonly presets: EnginePresets;
}
