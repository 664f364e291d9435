/**
 * Jubatus's `key_manager` (core common/key_manager): string keys interned to dense integer ids in
 * first-seen order. Ids are never reused, even after a key is deleted, so an id can index typed
 * columns for the life of a model. Wire form `[key2id map, id2key map, next_id]`.
 */
import { MsgpackError, expectArray, expectMap, expectNumber, expectString, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';

export class KeyManager {
  private readonly key2id = new Map<string, number>();
  /** id → key; a hole (undefined) where a key was deleted. */
  private readonly id2key: Array<string | undefined> = [];
  private next = 0;

  /** Number of live keys. */
  get size(): number {
    return this.key2id.size;
  }

  /** One past the largest id ever handed out: the length typed columns indexed by id need. */
  get nextId(): number {
    return this.next;
  }

  /** The key's id, appending the key when it is new (1.1.1's get_id). */
  getId(key: string): number {
    const id = this.key2id.get(key);
    if (id !== undefined) return id;
    const fresh = this.next++;
    this.key2id.set(key, fresh);
    this.id2key[fresh] = key;
    return fresh;
  }

  /** The key's id, or undefined (1.1.1's get_id_const / NOTFOUND). */
  idOf(key: string): number | undefined {
    return this.key2id.get(key);
  }

  /** The id's key; "" for an unknown id, as 1.1.1's get_key answers. */
  keyOf(id: number): string {
    return this.id2key[id] ?? '';
  }

  hasId(id: number): boolean {
    return this.id2key[id] !== undefined;
  }

  deleteKey(key: string): void {
    const id = this.key2id.get(key);
    if (id === undefined) return;
    this.key2id.delete(key);
    this.id2key[id] = undefined;
  }

  /** Live (key, id) pairs in id order. */
  *entries(): IterableIterator<[string, number]> {
    for (let id = 0; id < this.id2key.length; id++) {
      const k = this.id2key[id];
      if (k !== undefined) yield [k, id];
    }
  }

  pack(w: MsgWriter): void {
    w.arrayHeader(3);
    w.mapHeader(this.key2id.size);
    for (const [k, id] of this.key2id) {
      w.str(k);
      w.int(id);
    }
    w.mapHeader(this.key2id.size);
    for (const [k, id] of this.key2id) {
      w.int(id);
      w.str(k);
    }
    w.int(this.next);
  }

  /** Decodes and checks the wire form: both maps must describe the same pairs, ids below next_id. */
  static unpack(v: MsgValue, what: string): KeyManager {
    const a = expectArray(v, what, 3);
    const km = new KeyManager();
    const next = expectNumber(a[2]!, `${what} next_id`);
    if (!Number.isInteger(next) || next < 0) throw new MsgpackError(`${what} next_id: expected an unsigned integer`);
    km.next = next;
    for (const [k, i] of expectMap(a[0]!, `${what} key2id`).entries) {
      const key = expectString(k, `${what} key`);
      const id = expectNumber(i, `${what} id`);
      if (!Number.isInteger(id) || id < 0 || id >= next) throw new MsgpackError(`${what}: id ${id} of "${key}" is not below next_id ${next}`);
      if (km.key2id.has(key) || km.id2key[id] !== undefined) throw new MsgpackError(`${what}: "${key}" or id ${id} appears twice`);
      km.key2id.set(key, id);
      km.id2key[id] = key;
    }
    const reverse = expectMap(a[1]!, `${what} id2key`).entries;
    if (reverse.length !== km.key2id.size) throw new MsgpackError(`${what}: id2key and key2id differ in size`);
    for (const [i, k] of reverse) {
      const id = expectNumber(i, `${what} id`);
      if (km.id2key[id] !== expectString(k, `${what} key`)) throw new MsgpackError(`${what}: id2key disagrees with key2id at id ${id}`);
    }
    return km;
  }
}
