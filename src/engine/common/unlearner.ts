/**
 * Jubatus's unlearners (engine spec §16): a bounded set of ids (labels of a linear classifier,
 * rows of NN models); touching a new id when full forgets one (`onUnlearn` deletes it from the
 * model). `lru` forgets the least recently touched non-sticky id; `random` a uniformly chosen
 * one (MT19937, seeded by `seed` or else unpredictably). Config: `unlearner` + `unlearner_parameter`
 * inside the method's `parameter`. Model-file forms: lru `[lru list (most recent first), sticky
 * ids]`, random `[{id: slot}, ids]`.
 */
import { ConfigError } from '../../errors.js';
import { expectArray, expectMap, expectString, MsgpackError, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { asObject, checkKeys, child, optInt, optString, reqInt, type JsonObject } from '../config-cast.js';
import { KeyMatcher } from '../fv/key-matcher.js';
import { Mt19937 } from './mt19937.js';
import { readCount } from './version.js';

export type UnlearnerConfig =
  | { kind: 'lru'; maxSize: number; stickyPattern?: string }
  | { kind: 'random'; maxSize: number; seed?: number };

export interface Unlearner {
  readonly config: UnlearnerConfig;
  /** Deletes a forgotten id from the model; the owner sets it (a no-op until then). */
  onUnlearn: (id: string) => void;
  /** Whether `id` may be touched (lru: false once only sticky ids fit). */
  canTouch(id: string): boolean;
  /** Registers/refreshes `id`, forgetting another when full; false when nothing could be forgotten. */
  touch(id: string): boolean;
  /** Forgets `id` without the callback (the model deleted it itself); false when absent. */
  remove(id: string): boolean;
  /** Whether `id` is held (C++ `exists_in_memory`). */
  existsInMemory(id: string): boolean;
  clear(): void;
  status(): Record<string, string>;
  pack(w: MsgWriter): void;
  /** Checks a packed form; the returned function installs it. */
  unpack(v: MsgValue): () => void;
}

const INT32_MAX = 2147483647;

/**
 * Reads the unlearner keys of a method's `parameter` object (`path` names it); undefined when
 * `unlearner` is absent (a lone `unlearner_parameter` is then ignored, as 1.1.1's classifier does).
 */
export function parseUnlearnerConfig(p: JsonObject, path: string): UnlearnerConfig | undefined {
  const kind = optString(p, 'unlearner', path);
  if (kind === undefined) return undefined;
  const ppath = child(path, 'unlearner_parameter');
  if (p.unlearner_parameter === undefined || p.unlearner_parameter === null) {
    throw new ConfigError(ppath, 'Unlearner is set but unlearner_parameter is not found');
  }
  const up = asObject(p.unlearner_parameter, ppath);
  if (kind !== 'lru' && kind !== 'random') {
    throw new ConfigError(child(path, 'unlearner'), `unsupported method (unlearner(${kind})): expected lru or random`);
  }
  checkKeys(up, kind === 'lru' ? ['max_size', 'sticky_pattern'] : ['max_size', 'seed'], ppath);
  const maxSize = reqInt(up, 'max_size', ppath);
  if (maxSize > INT32_MAX || maxSize < -INT32_MAX - 1) throw new ConfigError(child(ppath, 'max_size'), 'must be an int32');
  if (maxSize <= 0) throw new ConfigError(child(ppath, 'max_size'), 'max_size must be a positive integer');
  if (kind === 'lru') {
    const sticky = optString(up, 'sticky_pattern', ppath);
    if (sticky !== undefined) KeyMatcher.compile(sticky, child(ppath, 'sticky_pattern'));
    return sticky === undefined ? { kind, maxSize } : { kind, maxSize, stickyPattern: sticky };
  }
  const seed = optInt(up, 'seed', ppath);
  if (seed !== undefined && (seed < 0 || seed > 0xffffffff)) {
    throw new ConfigError(child(ppath, 'seed'), 'unlearner seed must be within unsigned 32 bit integer');
  }
  return seed === undefined ? { kind, maxSize } : { kind, maxSize, seed };
}

export function createUnlearner(config: UnlearnerConfig, onUnlearn: (id: string) => void = () => {}): Unlearner {
  const u = config.kind === 'lru' ? new LruUnlearner(config) : new RandomUnlearner(config);
  u.onUnlearn = onUnlearn;
  return u;
}

/** parseUnlearnerConfig + createUnlearner: the unlearner a `parameter` asks for, if any. */
export function parseUnlearner(p: JsonObject, path: string): Unlearner | undefined {
  const config = parseUnlearnerConfig(p, path);
  return config && createUnlearner(config);
}

class LruUnlearner implements Unlearner {
  /** Non-sticky ids, least recently touched first (a Map keeps insertion order). */
  private lru = new Map<string, true>();
  private sticky = new Set<string>();
  private readonly matcher?: KeyMatcher;

  onUnlearn: (id: string) => void = () => {};

  constructor(readonly config: Extract<UnlearnerConfig, { kind: 'lru' }>) {
    if (config.stickyPattern !== undefined) this.matcher = KeyMatcher.compile(config.stickyPattern);
  }

  existsInMemory(id: string): boolean {
    return this.lru.has(id) || this.sticky.has(id);
  }

  canTouch(id: string): boolean {
    return this.existsInMemory(id) || this.sticky.size < this.config.maxSize;
  }

  touch(id: string): boolean {
    const isSticky = this.matcher !== undefined && this.matcher.matches(id);
    if (isSticky && this.sticky.has(id)) return true;
    if (!isSticky && this.lru.delete(id)) {
      this.lru.set(id, true);
      return true;
    }
    if (this.lru.size + this.sticky.size >= this.config.maxSize) {
      if (this.lru.size === 0) return false;
      const oldest = this.lru.keys().next().value as string;
      this.onUnlearn(oldest);
      this.lru.delete(oldest);
    }
    if (isSticky) this.sticky.add(id);
    else this.lru.set(id, true);
    return true;
  }

  remove(id: string): boolean {
    return this.lru.delete(id) || this.sticky.delete(id);
  }

  clear(): void {
    this.lru = new Map();
    this.sticky = new Set();
  }

  status(): Record<string, string> {
    return { num_unlearner_unlearned_ids: String(this.lru.size), num_unlearner_sticky_ids: String(this.sticky.size) };
  }

  pack(w: MsgWriter): void {
    w.arrayHeader(2);
    const ids = [...this.lru.keys()].reverse();
    w.arrayHeader(ids.length);
    for (const id of ids) w.str(id);
    w.arrayHeader(this.sticky.size);
    for (const id of this.sticky) w.str(id);
  }

  unpack(v: MsgValue): () => void {
    const a = expectArray(v, 'lru unlearner', 2);
    const recentFirst = expectArray(a[0]!, 'lru unlearner list').map((x) => expectString(x, 'lru unlearner id'));
    const sticky = new Set(expectArray(a[1]!, 'lru unlearner sticky ids').map((x) => expectString(x, 'lru unlearner id')));
    const lru = new Map<string, true>();
    for (let i = recentFirst.length - 1; i >= 0; i--) lru.set(recentFirst[i]!, true);
    return () => {
      this.lru = lru;
      this.sticky = sticky;
    };
  }
}

class RandomUnlearner implements Unlearner {
  private ids: string[] = [];
  private slot = new Map<string, number>();
  private readonly rng: Mt19937;

  onUnlearn: (id: string) => void = () => {};

  constructor(readonly config: Extract<UnlearnerConfig, { kind: 'random' }>) {
    // Without a seed 1.1.1 seeds from the clock: not reproducible either way.
    this.rng = new Mt19937(config.seed ?? Math.floor(Math.random() * 4294967296));
  }

  existsInMemory(id: string): boolean {
    return this.slot.has(id);
  }

  canTouch(): boolean {
    return true;
  }

  touch(id: string): boolean {
    if (this.slot.has(id)) return true;
    let at: number;
    if (this.slot.size < this.config.maxSize) {
      this.ids.push(id);
      at = this.ids.length - 1;
    } else {
      at = this.rng.nextIntBelow(this.slot.size);
      const old = this.ids[at]!;
      this.onUnlearn(old);
      this.slot.delete(old);
      this.ids[at] = id;
    }
    this.slot.set(id, at);
    return true;
  }

  remove(id: string): boolean {
    const at = this.slot.get(id);
    if (at === undefined) return false;
    this.slot.delete(id);
    const back = this.ids.pop()!;
    if (back !== id) {
      this.ids[at] = back;
      this.slot.set(back, at);
    }
    return true;
  }

  clear(): void {
    this.ids = [];
    this.slot = new Map();
  }

  status(): Record<string, string> {
    return { num_unlearner_ids: String(this.ids.length) };
  }

  pack(w: MsgWriter): void {
    w.arrayHeader(2);
    w.mapHeader(this.slot.size);
    for (const [id, at] of this.slot) {
      w.str(id);
      w.int(at);
    }
    w.arrayHeader(this.ids.length);
    for (const id of this.ids) w.str(id);
  }

  unpack(v: MsgValue): () => void {
    const a = expectArray(v, 'random unlearner', 2);
    const slot = new Map<string, number>();
    for (const [k, n] of expectMap(a[0]!, 'random unlearner ids').entries) slot.set(expectString(k, 'random unlearner id'), readCount(n, 'random unlearner slot'));
    const ids = expectArray(a[1]!, 'random unlearner list').map((x) => expectString(x, 'random unlearner id'));
    for (const [id, at] of slot) if (ids[at] !== id) throw new MsgpackError(`random unlearner: ${id} is not at slot ${at}`);
    return () => {
      this.ids = ids;
      this.slot = slot;
    };
  }
}
