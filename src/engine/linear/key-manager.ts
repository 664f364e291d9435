/**
 * Jubatus's `key_manager` (label ↔ id of a linear model): ids in first-seen order, never
 * reused after a delete. Both maps keep libstdc++'s iteration order, because the label order of
 * every score list comes from `id2key`. Model-file form `[key2id, id2key, next_id]`.
 */
import { MsgpackError, expectArray, expectMap, expectString, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { readCount } from '../common/version.js';
import { OrderedKeys } from './small-order.js';

export class KeyManager {
  private readonly key2id = new Map<string, number>();
  private readonly id2key = new Map<number, string>();
  private keyOrder = new OrderedKeys<string>();
  private idOrder = new OrderedKeys<number>();
  private nextId = 0;
  /** Bumped on every change, so callers can cache what they derive from the label set. */
  generation = 0;

  get size(): number {
    return this.key2id.size;
  }

  /** Every id is below this (the next id to hand out). */
  get nextIdBound(): number {
    return this.nextId;
  }

  /** The id of `key`, appending it when new (C++ `get_id`). */
  getId(key: string): number {
    const id = this.key2id.get(key);
    return id === undefined ? this.append(key) : id;
  }

  /** The id of `key`, or -1 (C++ `get_id_const`, NOTFOUND). */
  idOf(key: string): number {
    return this.key2id.get(key) ?? -1;
  }

  /** The label of `id`; "" when unknown, as in C++. */
  keyOf(id: number): string {
    return this.id2key.get(id) ?? '';
  }

  /** set_key: false when the key exists. */
  setKey(key: string): boolean {
    if (this.key2id.has(key)) return false;
    this.append(key);
    return true;
  }

  private append(key: string): number {
    const id = this.nextId++;
    this.key2id.set(key, id);
    this.keyOrder.insert(key);
    this.id2key.set(id, key);
    this.idOrder.insert(id);
    this.generation++;
    return id;
  }

  deleteKey(key: string): void {
    const id = this.key2id.get(key);
    if (id === undefined) return;
    this.key2id.delete(key);
    this.keyOrder.erase(key);
    this.id2key.delete(id);
    this.idOrder.erase(id);
    this.generation++;
  }

  /** Ids in `id2key` iteration order (C++ `get_all_id2key`). */
  ids(): readonly number[] {
    return this.idOrder.keys;
  }

  pack(w: MsgWriter): void {
    w.arrayHeader(3);
    w.mapHeader(this.keyOrder.size);
    for (const k of this.keyOrder.keys) {
      w.str(k);
      w.int(this.key2id.get(k)!);
    }
    w.mapHeader(this.idOrder.size);
    for (const id of this.idOrder.keys) {
      w.int(id);
      w.str(this.id2key.get(id)!);
    }
    w.int(this.nextId);
  }

  /** Decodes `[key2id, id2key, next_id]` into a fresh key manager (entries in file order). */
  static unpack(v: MsgValue): KeyManager {
    const a = expectArray(v, 'key_manager', 3);
    const km = new KeyManager();
    for (const [k, id] of expectMap(a[0]!, 'key_manager key2id').entries) {
      const key = expectString(k, 'key_manager key');
      if (km.key2id.has(key)) throw new MsgpackError(`key_manager: key ${key} twice`);
      km.key2id.set(key, readCount(id, 'key_manager id'));
      km.keyOrder.insert(key);
    }
    for (const [idv, k] of expectMap(a[1]!, 'key_manager id2key').entries) {
      const id = readCount(idv, 'key_manager id');
      if (km.id2key.has(id)) throw new MsgpackError(`key_manager: id ${id} twice`);
      km.id2key.set(id, expectString(k, 'key_manager key'));
      km.idOrder.insert(id);
    }
    km.nextId = readCount(a[2]!, 'key_manager next_id');
    for (const [key, id] of km.key2id) {
      if (km.id2key.get(id) !== key || id >= km.nextId) throw new MsgpackError(`key_manager: inconsistent entry ${key} → ${id}`);
    }
    if (km.key2id.size !== km.id2key.size) throw new MsgpackError('key_manager: key2id and id2key differ');
    return km;
  }
}
