/**
 * Values crossing between a user's JavaScript service implementation and the wire.
 *
 * Results: the codec trusts its input (it is fed by engines we wrote), so a user's result is
 * first checked against the IDL return type and brought into the codec's shapes. Messages
 * may be returned as arrays in field order (the codec's shape) or as objects keyed by field
 * name; maps as `Map`s or plain objects.
 *
 * Payloads (packModel, MIX diffs): JSON-like values (null, booleans, numbers, strings, arrays,
 * plain objects, Maps, bytes) travel as plain msgpack. Read back, maps whose keys are all
 * strings become plain objects and raw that is valid UTF-8 becomes a string.
 */
import { resolveType } from '../idl/descriptor.js';
import { encodeValue, INT_RANGE, INTEGER_RANGE, typeToString, type TypeScope } from '../idl/codec.js';
import type { IdlType, PrimitiveName } from '../idl/types.js';
import { MsgMap, type MsgValue } from '../msgpack/reader.js';
import type { MsgWriter } from '../msgpack/writer.js';

/** Where a value differs from what it should be; `path` says where inside it (`result[2].value`). */
export class ValueMismatch extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${path}: expected ${expected}, got ${got}`);
    this.name = 'ValueMismatch';
  }
}

export function describeJs(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  if (v instanceof Uint8Array) return `bytes (${v.length})`;
  if (Array.isArray(v)) return `array of ${v.length}`;
  if (v instanceof Map) return `Map of ${v.size}`;
  if (typeof v === 'function') return 'function';
  if (typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function') return 'promise';
  return typeof v === 'object' ? 'object' : typeof v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Checks `v` against IDL type `t` and returns it in the codec's shapes. Throws ValueMismatch
 * at the first difference.
 */
export function conformValue(scope: TypeScope, t: IdlType, v: unknown, path: string): unknown {
  const bad = (): never => {
    throw new ValueMismatch(path, typeToString(t), describeJs(v));
  };
  const r = resolveType(scope, t);
  switch (r.kind) {
    case 'nullable':
      return v === null || v === undefined ? null : conformValue(scope, r.inner, v, path);
    case 'list': {
      // Typed arrays count as lists too (a Float64Array for list<double>).
      const list = Array.isArray(v) ? v : ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<unknown>) : bad();
      return list.map((x, i) => conformValue(scope, r.elem, x, `${path}[${i}]`));
    }
    case 'map': {
      const entries = v instanceof Map ? [...v.entries()] : isPlainObject(v) ? Object.entries(v) : bad();
      return new Map(entries.map(([k, x]) => {
        const key = conformValue(scope, r.key, k, `${path} key`);
        return [key, conformValue(scope, r.value, x, `${path}[${String(k)}]`)];
      }));
    }
    case 'message': {
      const fields = r.decl.fields;
      if (Array.isArray(v)) {
        if (v.length !== fields.length) bad();
        return fields.map((f, i) => conformValue(scope, f.type, v[i], `${path}.${f.name}`));
      }
      if (!isPlainObject(v)) bad();
      const o = v as Record<string, unknown>;
      return fields.map((f) => {
        if (!(f.name in o) && f.type.kind !== 'nullable') throw new ValueMismatch(`${path}.${f.name}`, typeToString(f.type), 'no such field');
        return conformValue(scope, f.type, o[f.name], `${path}.${f.name}`);
      });
    }
    case 'enum':
      if (typeof v !== 'number' || !r.decl.values.some((e) => e.value === v)) {
        throw new ValueMismatch(path, `${r.decl.name} (one of ${r.decl.values.map((e) => e.value).join(', ')})`, describeJs(v));
      }
      return v;
    case 'primitive':
      return conformPrimitive(r.name, v, bad);
  }
}

function conformPrimitive(name: PrimitiveName, v: unknown, bad: () => never): unknown {
  switch (name) {
    case 'string':
      return typeof v === 'string' ? v : bad();
    case 'raw':
      return v instanceof Uint8Array ? v : bad();
    case 'bool':
      return typeof v === 'boolean' ? v : bad();
    case 'float':
    case 'double':
      return typeof v === 'number' ? v : bad();
    case 'long':
    case 'ulong': {
      const [lo, hi] = INTEGER_RANGE[name]!;
      if (typeof v === 'bigint') return v >= lo && v <= hi ? v : bad();
      return Number.isSafeInteger(v) && (name === 'long' || (v as number) >= 0) ? v : bad();
    }
    case 'datum':
      return conformDatum(v, bad);
    case 'object':
      checkPlain(v, 'value');
      return v;
    default: {
      const [lo, hi] = INT_RANGE[name]!;
      return Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi ? v : bad();
    }
  }
}

function conformDatum(v: unknown, bad: () => never): unknown {
  if (!isPlainObject(v)) bad();
  const d = v as Record<string, unknown>;
  const pairs = (key: string, ok: (x: unknown) => boolean): unknown[] => {
    const list = d[key] ?? [];
    if (!Array.isArray(list) || !list.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && ok(p[1]))) bad();
    return list as unknown[];
  };
  return {
    stringValues: pairs('stringValues', (x) => typeof x === 'string'),
    numValues: pairs('numValues', (x) => typeof x === 'number'),
    binaryValues: pairs('binaryValues', (x) => x instanceof Uint8Array),
  };
}

/** Throws ValueMismatch when `v` holds something plain msgpack cannot carry (functions, class instances…). */
export function checkPlain(v: unknown, path: string): void {
  if (v === null || v === undefined || v instanceof Uint8Array) return;
  switch (typeof v) {
    case 'boolean':
    case 'string':
    case 'bigint':
      return;
    case 'number':
      return;
    case 'object':
      if (Array.isArray(v)) {
        v.forEach((x, i) => checkPlain(x, `${path}[${i}]`));
        return;
      }
      if (v instanceof Map) {
        for (const [k, x] of v) {
          checkPlain(k, `${path} key`);
          checkPlain(x, `${path}[${String(k)}]`);
        }
        return;
      }
      if (isPlainObject(v)) {
        for (const [k, x] of Object.entries(v)) checkPlain(x, `${path}.${k}`);
        return;
      }
  }
  throw new ValueMismatch(path, 'null, boolean, number, string, bytes, array, plain object or Map', describeJs(v));
}

const OBJECT: IdlType = { kind: 'primitive', name: 'object' };
const NO_TYPES: TypeScope = { messages: new Map(), enums: new Map() };

/** Writes a JSON-like value as plain msgpack (strings as old-spec raw). */
export function writePlain(w: MsgWriter, v: unknown, what: string): void {
  checkPlain(v, what);
  encodeValue(NO_TYPES, OBJECT, v, w);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The inverse of writePlain, as far as msgpack allows (see the module comment). */
export function readPlain(v: MsgValue): unknown {
  if (v instanceof Uint8Array) {
    try {
      return strictUtf8.decode(v);
    } catch {
      return v.slice();
    }
  }
  if (Array.isArray(v)) return v.map(readPlain);
  if (v instanceof MsgMap) {
    const entries = v.entries.map(([k, x]) => [readPlain(k), readPlain(x)] as const);
    if (entries.every(([k]) => typeof k === 'string')) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of entries) {
        // defineProperty: a "__proto__" key stays data, never a prototype.
        Object.defineProperty(o, k as string, { value: x, enumerable: true, writable: true, configurable: true });
      }
      return o;
    }
    return new Map(entries);
  }
  return v;
}
