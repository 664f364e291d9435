/**
 * What the server needs from an engine. An engine is pure and synchronous: it implements its
 * IDL methods as plain methods named exactly as in `idl/<type>.idl` (the server checks that
 * every IDL method exists), and it knows how to pack and unpack its model.
 */
import type { MsgWriter } from '../msgpack/writer.js';
import type { MsgValue } from '../msgpack/reader.js';

export interface EngineOptions {
  /** This server's `ip_port`, stored as the owner of rows it writes (Jubatus writes it even standalone). */
  owner: string;
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
  /** The engine's linear-MIX side (framework spec §6.1); absent = nothing to mix (empty payloads). */
  linearMixable?(): LinearMixable<unknown>;
  /** The engine's push-MIX side (framework spec §6.2); absent = empty payloads. */
  pushMixable?(): PushMixable;
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

export interface EngineFactory {
  readonly type: string;
  /**
   * Validates a parsed JSON config (throws ConfigError naming the key) and builds an engine.
   * `config` is the result of JSON parsing; the server keeps the original text.
   */
  create(config: unknown, options: EngineOptions): Engine;
}
