/**
 * Values typed by an IDL, from what a person (or a queue message) writes: a shell word per
 * parameter, or an already-parsed JSON value. The results are what `encodeValue` expects
 * (messages as arrays in field order, maps as `Map`, datums as `Datum`, raw as `Uint8Array`,
 * long/ulong as bigint beyond 2^53). Every error names the value (`what`), its IDL type and
 * what was given. `juba call`, `juba bench` and `juba feed --map` share this.
 */
import type { Datum } from '../engine/datum.js';
import { ArgumentError, JubaError } from '../errors.js';
import { INTEGER_RANGE, typeToString, type TypeScope } from './codec.js';
import type { IdlType, MethodDecl, PrimitiveName } from './types.js';

type Primitive = Extract<IdlType, { kind: 'primitive' }>;

const P_STRING: Primitive = { kind: 'primitive', name: 'string' };
const P_DATUM: Primitive = { kind: 'primitive', name: 'datum' };
const DATUM_KEYS = ['string_values', 'num_values', 'binary_values'] as const;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** How a given value reads in a message: short, and quoted when it came as a string. */
function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'bigint') return v.toString();
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Where a value sits: `what` names the whole (`argument 2 'd' of set_row`), `path` the part
 * inside it (`num_values[0] value`, `tags[2]`, `point.x`), empty at the top.
 */
interface Where {
  what: string;
  path: string;
}

function label(at: Where): string {
  return at.path ? `${at.what}: ${at.path}` : at.what;
}

/** The place of a part: `.field` and `[i]` join the path; the first part starts it. */
function inside(at: Where, part: string): Where {
  const sep = !at.path || part.startsWith('[') || part.startsWith(' ') ? '' : '.';
  return { what: at.what, path: `${at.path}${sep}${part}` };
}

function fail(at: Where, message: string): never {
  throw new ArgumentError(`${label(at)} ${message}`);
}

function mustBe(at: Where, t: IdlType, got: unknown, note = ''): never {
  return fail(at, `must be ${typeToString(t)}${note} (got ${shown(got)})`);
}

/** `name(type a, type b) -> ret`, as the hint for argument errors and as `--list` prints it. */
export function signature(m: MethodDecl): string {
  const params = m.params.map((p) => `${typeToString(p.type)} ${p.name}`).join(', ');
  return `${m.name}(${params}) -> ${m.returnType ? typeToString(m.returnType) : 'void'}`;
}

/** What an argument is called in messages: `argument 2 'size' of similar_row_from_id`. */
export function argumentName(m: MethodDecl, index: number): string {
  return `argument ${index + 1} '${m.params[index]!.name}' of ${m.name}`;
}

/** Parses an integer of the given IDL int type; bigint only when a number would lose digits. */
function intFrom(at: Where, t: Primitive, v: unknown): number | bigint {
  let n: bigint;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) n = BigInt(v.trim());
  else return mustBe(at, t, v, ', an integer');
  const [lo, hi] = INTEGER_RANGE[t.name]!;
  if (n < lo || n > hi) mustBe(at, t, v, `, ${lo}..${hi}`);
  return n >= -(2n ** 53n) && n <= 2n ** 53n ? Number(n) : n;
}

function base64From(at: Where, t: IdlType, v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v !== 'string' || v.length % 4 === 1 || !BASE64.test(v)) return mustBe(at, t, v, ' as base64');
  return new Uint8Array(Buffer.from(v, 'base64'));
}

function primitiveFromJson(at: Where, t: Primitive, v: unknown): unknown {
  switch (t.name) {
    case 'string':
      return typeof v === 'string' ? v : mustBe(at, t, v);
    case 'bool':
      return typeof v === 'boolean' ? v : mustBe(at, t, v, ', true or false');
    case 'float':
    case 'double':
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      return mustBe(at, t, v, ', a number');
    case 'raw':
      return base64From(at, t, v);
    case 'datum':
      return datumAt(at, v);
    case 'object':
      return v ?? null;
    default:
      return intFrom(at, t, v);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Map);
}

/**
 * A datum from JSON, in one of three forms: friendly `{"x": 1.5, "name": "abc"}` (numbers are
 * num_values, strings string_values), explicit `{"string_values": [["k","v"]], "num_values":
 * [["k",1]], "binary_values": [["k","<base64>"]]}`, or the wire's array of those lists.
 */
export function datumFromJson(what: string, v: unknown): Datum {
  return datumAt({ what, path: '' }, v);
}

/** The three [key, value] lists of an explicit or wire-form datum; undefined for the friendly form. */
function datumLists(v: unknown): unknown[][] | undefined {
  if (Array.isArray(v) && (v.length === 2 || v.length === 3) && v.every(Array.isArray)) return v as unknown[][];
  if (!isPlainObject(v) || Object.keys(v).length === 0) return undefined;
  const explicit = Object.entries(v).every(([k, x]) => (DATUM_KEYS as readonly string[]).includes(k) && Array.isArray(x));
  return explicit ? DATUM_KEYS.map((k) => (v[k] ?? []) as unknown[]) : undefined;
}

const DATUM_VALUE_TYPES: Primitive[] = [P_STRING, { kind: 'primitive', name: 'double' }, { kind: 'primitive', name: 'raw' }];

function datumAt(at: Where, v: unknown): Datum {
  const d: Datum = { stringValues: [], numValues: [], binaryValues: [] };
  const lists = datumLists(v);
  if (lists) {
    lists.forEach((list, which) => list.forEach((pair, i) => {
      const item = inside(at, `${DATUM_KEYS[which]}[${i}]`);
      if (!Array.isArray(pair) || pair.length !== 2) fail(item, `must be a [key, value] pair (got ${shown(pair)})`);
      const key = primitiveFromJson(inside(item, ' key'), P_STRING, pair[0]) as string;
      const value = primitiveFromJson(inside(item, ' value'), DATUM_VALUE_TYPES[which]!, pair[1]);
      if (which === 0) d.stringValues.push([key, value as string]);
      else if (which === 1) d.numValues.push([key, value as number]);
      else d.binaryValues.push([key, value as Uint8Array]);
    }));
    return d;
  }
  if (!isPlainObject(v)) return mustBe(at, P_DATUM, v, ' as a JSON object like {"x": 1.5, "name": "abc"}');
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'number') d.numValues.push([k, x]);
    else if (typeof x === 'string') d.stringValues.push([k, x]);
    else fail(inside(at, k), `must be a number or a string (got ${shown(x)})`);
  }
  return d;
}

/** A JSON value (already parsed) → the value `encodeValue` takes for type `t`. */
export function valueFromJson(scope: TypeScope, t: IdlType, v: unknown, what: string): unknown {
  return fromJson(scope, t, v, { what, path: '' });
}

function fromJson(scope: TypeScope, t: IdlType, v: unknown, at: Where): unknown {
  switch (t.kind) {
    case 'nullable':
      return v === null || v === undefined ? null : fromJson(scope, t.inner, v, at);
    case 'primitive':
      return primitiveFromJson(at, t, v);
    case 'list':
      if (!Array.isArray(v)) return mustBe(at, t, v, ', a JSON array');
      return v.map((x, i) => fromJson(scope, t.elem, x, inside(at, `[${i}]`)));
    case 'map':
      return mapFromJson(scope, t, v, at);
    case 'user':
      return userFromJson(scope, t, v, at);
  }
}

function mapFromJson(scope: TypeScope, t: Extract<IdlType, { kind: 'map' }>, v: unknown, at: Where): Map<unknown, unknown> {
  let entries: Array<[unknown, unknown]>;
  if (v instanceof Map) entries = [...v.entries()];
  else if (Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2)) entries = v as Array<[unknown, unknown]>;
  else if (isPlainObject(v)) entries = Object.entries(v);
  else return mustBe(at, t, v, ', a JSON object');
  const out = new Map<unknown, unknown>();
  for (const [k, x] of entries) {
    const key = fromJson(scope, t.key, k, inside(at, `[${shown(k)}] key`));
    out.set(key, fromJson(scope, t.value, x, inside(at, `[${shown(k)}]`)));
  }
  return out;
}

function userFromJson(scope: TypeScope, t: Extract<IdlType, { kind: 'user' }>, v: unknown, at: Where): unknown {
  const en = scope.enums.get(t.name);
  if (en) {
    const byName = typeof v === 'string' ? en.values.find((e) => e.name === v) : undefined;
    if (byName) return byName.value;
    if (typeof v === 'number' && en.values.some((e) => e.value === v)) return v;
    return mustBe(at, t, v, `, one of ${en.values.map((e) => e.name).join(', ')}`);
  }
  const msg = scope.messages.get(t.name);
  if (!msg) throw new JubaError(`${label(at)}: unknown IDL type '${t.name}'`, { code: 'failed' });
  const fieldList = msg.fields.map((f) => `${typeToString(f.type)} ${f.name}`).join(', ');
  if (Array.isArray(v)) {
    if (v.length !== msg.fields.length) mustBe(at, t, v, `, a JSON array [${fieldList}]`);
    return msg.fields.map((f, i) => fromJson(scope, f.type, v[i], inside(at, f.name)));
  }
  if (isPlainObject(v)) {
    const unknown = Object.keys(v).filter((k) => !msg.fields.some((f) => f.name === k));
    if (unknown.length) {
      fail(at, `has no field ${unknown.map((k) => `'${k}'`).join(', ')}: ${t.name} has ${fieldList}`);
    }
    return msg.fields.map((f) => {
      if (!(f.name in v) && f.type.kind !== 'nullable') {
        fail(inside(at, f.name), `(${typeToString(f.type)}) is missing`);
      }
      return fromJson(scope, f.type, v[f.name], inside(at, f.name));
    });
  }
  return mustBe(at, t, v, ` as a JSON array [${fieldList}] or object`);
}

/** Types whose shell word is JSON rather than the bare text. */
function takesJson(scope: TypeScope, t: IdlType): boolean {
  if (t.kind === 'list' || t.kind === 'map') return true;
  if (t.kind === 'user') return !scope.enums.has(t.name);
  return t.kind === 'primitive' && (t.name === 'datum' || t.name === 'object');
}

/** One shell word → the value for type `t` (strings as-is, numbers parsed, structures as JSON). */
export function valueFromArg(scope: TypeScope, t: IdlType, text: string, what: string): unknown {
  const at: Where = { what, path: '' };
  if (t.kind === 'nullable') return text === 'null' ? null : valueFromArg(scope, t.inner, text, what);
  if (takesJson(scope, t)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new ArgumentError(`${what} must be ${typeToString(t)} written as JSON (got ${shown(text)}: ${(e as Error).message})`);
    }
    return valueFromJson(scope, t, parsed, what);
  }
  if (t.kind === 'user') return valueFromJson(scope, t, /^-?\d+$/.test(text) ? Number(text) : text, what);
  if (t.kind !== 'primitive') return valueFromJson(scope, t, text, what);
  switch (t.name) {
    case 'string':
    case 'raw':
      return primitiveFromJson(at, t, text);
    case 'bool':
      if (text === 'true' || text === 'false') return text === 'true';
      return mustBe(at, t, text, ', true or false');
    case 'float':
    case 'double': {
      const n = text.trim() === '' ? NaN : Number(text);
      if (Number.isNaN(n) && text !== 'NaN') mustBe(at, t, text, ', a number');
      return n;
    }
    default:
      return intFrom(at, t, text);
  }
}

/**
 * A method's arguments from shell words, one per parameter. A wrong count and every bad
 * argument say which parameter, its type, and the method's signature.
 */
export function argsFromWords(scope: TypeScope, m: MethodDecl, words: readonly string[]): unknown[] {
  const hint = `${signature(m)}; datums and structs are JSON, e.g. '{"x": 1.5}'`;
  if (words.length !== m.params.length) {
    throw new JubaError(`${m.name} takes ${m.params.length} argument(s), got ${words.length}`, { code: 'usage', hint });
  }
  return m.params.map((p, i) => {
    try {
      return valueFromArg(scope, p.type, words[i]!, argumentName(m, i));
    } catch (e) {
      if (e instanceof ArgumentError) throw new JubaError(e.message, { code: 'usage', hint });
      throw e;
    }
  });
}

/** Like argsFromWords, from a JSON array (one element per parameter). */
export function argsFromJson(scope: TypeScope, m: MethodDecl, list: unknown): unknown[] {
  const hint = signature(m);
  if (!Array.isArray(list) || list.length !== m.params.length) {
    throw new JubaError(`${m.name} takes ${m.params.length} argument(s) as a JSON array, got ${shown(list)}`, { code: 'usage', hint });
  }
  return m.params.map((p, i) => {
    try {
      return valueFromJson(scope, p.type, list[i], argumentName(m, i));
    } catch (e) {
      if (e instanceof ArgumentError) throw new JubaError(e.message, { code: 'usage', hint });
      throw e;
    }
  });
}
