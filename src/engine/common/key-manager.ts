/**
 * Jubatus's `key_manager` (core common/key_manager): string keys interned to dense integer ids
 * in first-seen order, never reused after a delete, so an id can index typed columns for the
 * life of a model. Model-file form `[key2id, id2key, next_id]`.
 *
 * Both C++ maps are libstdc++ `unordered_map`s. Where their iteration order shows (the labels of
 * a linear model: every score list and tie follows `id2key`), `hashOrder` reproduces it
 * (small-order.ts, cheap for tens of keys); elsewhere (row keys, many) ids iterate ascending and
 * the maps are written in insertion order, which readers do not depend on.
 */
import { MsgpackError, expectArray, expectMap, expectString, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { OrderedKeys } from './small-order.js';
import { readCount } from './version.js';

export class KeyManager {
  private readonly key2id = new Map<string, number>();
  /** id → key; a hole (undefined) where a key was deleted. */
  private readonly id2key: Array<string | undefined> = [];
  private next = 0;
  /** libstdc++'s iteration order of both maps, when asked for. */
  private readonly order?: { keys: OrderedKeys<string>; ids: OrderedKeys<number> };
  /** Bumped on every change, so callers can cache what they derive from the key set. */
  generation = 0;

  constructor(opts: { hashOrder?: boolean } = {}) {
    if (opts.hashOrder) this.order = { keys: new OrderedKeys<string>(), ids: new OrderedKeys<number>() };
  }

  /** Number of live keys. */
  get size(): number {
    return this.key2id.size;
  }

  /** One past the largest id ever handed out: the length typed columns indexed by id need. */
  get nextId(): number {
    return this.next;
  }

  /** The id of `key`, appending it when new (C++ `get_id`). */
  getId(key: string): number {
    const id = this.key2id.get(key);
    return id === undefined ? this.append(key, this.next++) : id;
  }

  /** The id of `key`, or -1 (C++ `get_id_const`, NOTFOUND). */
  idOf(key: string): number {
    return this.key2id.get(key) ?? -1;
  }

  /** The key of `id`; "" when unknown, as C++ `get_key` answers. */
  keyOf(id: number): string {
    return this.id2key[id] ?? '';
  }

  hasId(id: number): boolean {
    return this.id2key[id] !== undefined;
  }

  /** set_key: false when the key exists. */
  setKey(key: string): boolean {
    if (this.key2id.has(key)) return false;
    this.append(key, this.next++);
    return true;
  }

  private append(key: string, id: number): number {
    this.key2id.set(key, id);
    this.id2key[id] = key;
    this.order?.keys.insert(key);
    this.order?.ids.insert(id);
    this.generation++;
    return id;
  }

  deleteKey(key: string): void {
    const id = this.key2id.get(key);
    if (id === undefined) return;
    this.key2id.delete(key);
    this.id2key[id] = undefined;
    this.order?.keys.erase(key);
    this.order?.ids.erase(id);
    this.generation++;
  }

  /** Live ids: in `id2key` iteration order with `hashOrder` (C++ `get_all_id2key`), else ascending. */
  ids(): readonly number[] {
    if (this.order) return this.order.ids.keys;
    const out: number[] = [];
    for (let id = 0; id < this.id2key.length; id++) if (this.id2key[id] !== undefined) out.push(id);
    return out;
  }

  pack(w: MsgWriter): void {
    w.arrayHeader(3);
    w.mapHeader(this.key2id.size);
    for (const k of this.order?.keys.keys ?? this.key2id.keys()) {
      w.str(k);
      w.int(this.key2id.get(k)!);
    }
    w.mapHeader(this.key2id.size);
    for (const id of this.order?.ids.keys ?? this.key2id.values()) {
      w.int(id);
      w.str(this.id2key[id]!);
    }
    w.int(this.next);
  }

  /**
   * Decodes and checks the wire form into a fresh key manager (entries in file order): both maps
   * must hold the same pairs, every id below next_id. Throws MsgpackError naming `what`.
   */
  static unpack(v: MsgValue, what: string, opts: { hashOrder?: boolean } = {}): KeyManager {
    const a = expectArray(v, what, 3);
    const km = new KeyManager(opts);
    km.next = readCount(a[2]!, `${what} next_id`);
    for (const [k, i] of expectMap(a[0]!, `${what} key2id`).entries) {
      const key = expectString(k, `${what} key`);
      const id = readCount(i, `${what} id`);
      if (id >= km.next) throw new MsgpackError(`${what}: id ${id} of "${key}" is not below next_id ${km.next}`);
      if (km.key2id.has(key) || km.id2key[id] !== undefined) throw new MsgpackError(`${what}: "${key}" or id ${id} appears twice`);
      km.key2id.set(key, id);
      km.id2key[id] = key;
      km.order?.keys.insert(key);
    }
    const reverse = expectMap(a[1]!, `${what} id2key`).entries;
    if (reverse.length !== km.key2id.size) throw new MsgpackError(`${what}: id2key and key2id differ in size`);
    for (const [i, k] of reverse) {
      const id = readCount(i, `${what} id`);
      if (km.id2key[id] !== expectString(k, `${what} key`)) throw new MsgpackError(`${what}: id2key disagrees with key2id at id ${id}`);
      km.order?.ids.insert(id);
    }
    return km;
  }
}
