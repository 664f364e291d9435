/**
 * The type-directed codec: IDL types decide how values cross the wire. Decoding converts a
 * loosely-typed msgpack value into the declared type with msgpack-c 0.5.9's leniency (ints
 * where floats are expected, missing trailing struct fields take defaults, extra ones are
 * dropped) and its strictness (no floats as ints, range-checked ints). Encoding writes
 * `double` as float64 even when integral, `float` as float32, and strings/raw as old-spec raw.
 *
 * JS shapes: messages are arrays in field order (as on the wire), maps are `Map`s, datums are
 * `Datum` objects, `raw` is a `Uint8Array`.
 */
import { ArgumentError } from '../errors.js';
import { writeDatum, type Datum } from '../engine/datum.js';
import { MsgMap, bytesToString, type MsgValue } from '../msgpack/reader.js';
import type { MsgWriter } from '../msgpack/writer.js';
import type { IdlType, PrimitiveName, ServiceDescriptor } from './types.js';

/** Where user types are looked up; a descriptor or just its type tables. */
export type TypeScope = Pick<ServiceDescriptor, 'messages' | 'enums'>;

/** The value range of every IDL integer type. */
export const INTEGER_RANGE: Readonly<Partial<Record<PrimitiveName, readonly [bigint, bigint]>>> = {
  byte: [-128n, 127n],
  short: [-32768n, 32767n],
  int: [-2147483648n, 2147483647n],
  long: [-(2n ** 63n), 2n ** 63n - 1n],
  ubyte: [0n, 255n],
  ushort: [0n, 65535n],
  uint: [0n, 4294967295n],
  ulong: [0n, 2n ** 64n - 1n],
};

/** The same for the types that fit a JS number exactly (all but long/ulong), as numbers. */
export const INT_RANGE: Readonly<Partial<Record<PrimitiveName, readonly [number, number]>>> = Object.fromEntries(
  Object.entries(INTEGER_RANGE)
    .filter(([name]) => name !== 'long' && name !== 'ulong')
    .map(([name, [lo, hi]]) => [name, [Number(lo), Number(hi)]]),
);

export function typeToString(t: IdlType): string {
  switch (t.kind) {
    case 'primitive': return t.name;
    case 'list': return `list<${typeToString(t.elem)}>`;
    case 'map': return `map<${typeToString(t.key)}, ${typeToString(t.value)}>`;
    case 'nullable': return `${typeToString(t.inner)}?`;
    case 'user': return t.name;
  }
}

function fail(what: string, t: IdlType, got: MsgValue): never {
  throw new ArgumentError(`${what}: expected ${typeToString(t)}, got ${describe(got)}`);
}

function describe(v: MsgValue): string {
  if (v === null) return 'nil';
  if (v instanceof Uint8Array) return 'raw';
  if (v instanceof MsgMap) return 'map';
  if (Array.isArray(v)) return `array of ${v.length}`;
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'float';
  return typeof v;
}

function decodeDatum(v: MsgValue, what: string, t: IdlType): Datum {
  // Older clients send only [string_values, num_values].
  if (!Array.isArray(v) || v.length < 2) fail(what, t, v);
  const d: Datum = { stringValues: [], numValues: [], binaryValues: [] };
  const pairs = (list: MsgValue, label: string): MsgValue[][] => {
    if (!Array.isArray(list)) throw new ArgumentError(`${what}.${label}: expected a list of [key, value], got ${describe(list)}`);
    return list.map((p, i) => {
      if (!Array.isArray(p) || p.length < 2 || !(p[0] instanceof Uint8Array)) {
        throw new ArgumentError(`${what}.${label}[${i}]: expected [string, value], got ${describe(p)}`);
      }
      return p;
    });
  };
  for (const [k, val] of pairs(v[0]!, 'string_values')) {
    if (!(val instanceof Uint8Array)) throw new ArgumentError(`${what}.string_values: value of ${bytesToString(k as Uint8Array)} is not a string`);
    d.stringValues.push([bytesToString(k as Uint8Array), bytesToString(val)]);
  }
  for (const [k, val] of pairs(v[1]!, 'num_values')) {
    if (typeof val !== 'number' && typeof val !== 'bigint') {
      throw new ArgumentError(`${what}.num_values: value of ${bytesToString(k as Uint8Array)} is not a number`);
    }
    d.numValues.push([bytesToString(k as Uint8Array), Number(val)]);
  }
  if (v.length > 2 && v[2] !== null) {
    for (const [k, val] of pairs(v[2]!, 'binary_values')) {
      if (!(val instanceof Uint8Array)) throw new ArgumentError(`${what}.binary_values: value of ${bytesToString(k as Uint8Array)} is not raw`);
      d.binaryValues.push([bytesToString(k as Uint8Array), val.slice()]);
    }
  }
  return d;
}

/** Plain JS for `object`: raw becomes a string when it is valid UTF-8, else bytes. */
function plain(v: MsgValue): unknown {
  if (v instanceof Uint8Array) return bytesToString(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof MsgMap) return new Map(v.entries.map(([k, x]) => [plain(k), plain(x)]));
  return v;
}

export function decodeValue(scope: TypeScope, t: IdlType, v: MsgValue, what: string): unknown {
  switch (t.kind) {
    case 'nullable':
      return v === null ? null : decodeValue(scope, t.inner, v, what);
    case 'list':
      if (!Array.isArray(v)) fail(what, t, v);
      return v.map((x, i) => decodeValue(scope, t.elem, x, `${what}[${i}]`));
    case 'map': {
      if (!(v instanceof MsgMap)) fail(what, t, v);
      const out = new Map<unknown, unknown>();
      for (const [k, x] of v.entries) {
        const key = decodeValue(scope, t.key, k, `${what} key`);
        out.set(key, decodeValue(scope, t.value, x, `${what}[${String(key)}]`));
      }
      return out;
    }
    case 'user': {
      const en = scope.enums.get(t.name);
      if (en) return decodeValue(scope, { kind: 'primitive', name: 'int' }, v, what);
      const msg = scope.messages.get(t.name);
      if (!msg) throw new ArgumentError(`${what}: unknown type ${t.name}`);
      if (!Array.isArray(v)) fail(what, t, v);
      return msg.fields.map((f, i) =>
        i < v.length ? decodeValue(scope, f.type, v[i]!, `${what}.${f.name}`) : defaultValue(scope, f.type),
      );
    }
    case 'primitive':
      return decodePrimitive(t, v, what);
  }
}

function decodePrimitive(t: Extract<IdlType, { kind: 'primitive' }>, v: MsgValue, what: string): unknown {
  switch (t.name) {
    case 'string':
      if (!(v instanceof Uint8Array)) fail(what, t, v);
      return bytesToString(v);
    case 'raw':
      if (!(v instanceof Uint8Array)) fail(what, t, v);
      return v.slice();
    case 'bool':
      if (typeof v !== 'boolean') fail(what, t, v);
      return v;
    case 'float':
    case 'double':
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      return fail(what, t, v);
    case 'long':
    case 'ulong':
      if (typeof v === 'bigint') {
        if (t.name === 'ulong' ? v < 0n : v > 0x7fffffffffffffffn) fail(what, t, v);
        return v;
      }
      if (typeof v !== 'number' || !Number.isInteger(v) || (t.name === 'ulong' && v < 0)) fail(what, t, v);
      return v;
    case 'datum':
      return decodeDatum(v, what, t);
    case 'object':
      return plain(v);
    default: {
      const range = INT_RANGE[t.name]!;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < range[0] || v > range[1]) fail(what, t, v);
      return v;
    }
  }
}

export function defaultValue(scope: TypeScope, t: IdlType): unknown {
  switch (t.kind) {
    case 'nullable': return null;
    case 'list': return [];
    case 'map': return new Map();
    case 'user': {
      const msg = scope.messages.get(t.name);
      return msg ? msg.fields.map((f) => defaultValue(scope, f.type)) : 0;
    }
    case 'primitive':
      switch (t.name) {
        case 'string': return '';
        case 'raw': return new Uint8Array(0);
        case 'bool': return false;
        case 'datum': return { stringValues: [], numValues: [], binaryValues: [] } satisfies Datum;
        case 'object': return null;
        default: return 0;
      }
  }
}

function encodePlain(w: MsgWriter, v: unknown): void {
  if (v === null || v === undefined) w.nil();
  else if (typeof v === 'boolean') w.bool(v);
  else if (typeof v === 'number') Number.isInteger(v) ? w.int(v) : w.float64(v);
  else if (typeof v === 'bigint') w.int(v);
  else if (typeof v === 'string') w.str(v);
  else if (v instanceof Uint8Array) w.raw(v);
  else if (Array.isArray(v)) {
    w.arrayHeader(v.length);
    for (const x of v) encodePlain(w, x);
  } else if (v instanceof Map) {
    w.mapHeader(v.size);
    for (const [k, x] of v) {
      encodePlain(w, k);
      encodePlain(w, x);
    }
  } else if (v instanceof MsgMap) {
    encodePlain(w, new Map(v.entries));
  } else if (typeof v === 'object') {
    encodePlain(w, new Map(Object.entries(v)));
  } else throw new TypeError(`cannot encode ${typeof v}`);
}

function entriesOf(v: unknown): Iterable<[unknown, unknown]> & { length?: number } {
  if (v instanceof Map) return [...v.entries()];
  if (v && typeof v === 'object') return Object.entries(v);
  throw new TypeError('expected a Map or a plain object for an IDL map');
}

export function encodeValue(scope: TypeScope, t: IdlType, v: unknown, w: MsgWriter): void {
  switch (t.kind) {
    case 'nullable':
      if (v === null || v === undefined) w.nil();
      else encodeValue(scope, t.inner, v, w);
      return;
    case 'list': {
      const list = v as unknown[];
      w.arrayHeader(list.length);
      for (const x of list) encodeValue(scope, t.elem, x, w);
      return;
    }
    case 'map': {
      const entries = [...entriesOf(v)];
      w.mapHeader(entries.length);
      for (const [k, x] of entries) {
        encodeValue(scope, t.key, k, w);
        encodeValue(scope, t.value, x, w);
      }
      return;
    }
    case 'user': {
      const msg = scope.messages.get(t.name);
      if (!msg) {
        w.int(v as number); // enum
        return;
      }
      const fields = v as unknown[];
      w.arrayHeader(msg.fields.length);
      msg.fields.forEach((f, i) => encodeValue(scope, f.type, fields[i], w));
      return;
    }
    case 'primitive':
      switch (t.name) {
        case 'string': w.str(v as string); return;
        case 'raw': w.raw(v as Uint8Array); return;
        case 'bool': w.bool(v as boolean); return;
        case 'float': w.float32(v as number); return;
        case 'double': w.float64(v as number); return;
        case 'datum': writeDatum(w, v as Datum); return;
        case 'object': encodePlain(w, v); return;
        default: w.int(v as number | bigint); return;
      }
  }
}

