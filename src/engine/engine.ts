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
}

export interface EngineFactory {
  readonly type: string;
  /**
   * Validates a parsed JSON config (throws ConfigError naming the key) and builds an engine.
   * `config` is the result of JSON parsing; the server keeps the original text.
   */
  create(config: unknown, options: EngineOptions): Engine;
}
