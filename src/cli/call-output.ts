/**
 * Results of a typed call, rendered two ways: as JSON (Maps → objects, messages → objects keyed
 * by field name, bigint → number when safe else string, NaN/±Infinity → "NaN"/"Infinity"/
 * "-Infinity", raw → base64, datums in the explicit
 * form `idl/json-values` reads back) and as readable text (lists of records as aligned tables,
 * maps as `key: value` lines, status maps grouped by server).
 */
import type { Datum } from '../engine/datum.js';
import type { TypeScope } from '../idl/codec.js';
import type { IdlType, MessageDecl } from '../idl/types.js';

const base64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

function bigintJson(v: bigint): number | string {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

function messageOf(scope: TypeScope, t: IdlType | null): MessageDecl | undefined {
  return t?.kind === 'user' ? scope.messages.get(t.name) : undefined;
}

function datumJson(d: Datum): Record<string, unknown> {
  return {
    string_values: d.stringValues,
    num_values: d.numValues,
    binary_values: d.binaryValues.map(([k, b]) => [k, base64(b)]),
  };
}

/** A typed value as plain JSON data. `t` null (void or unknown) falls back to the value's shape. */
export function toJson(scope: TypeScope, t: IdlType | null, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (t?.kind === 'nullable') return toJson(scope, t.inner, v);
  const msg = messageOf(scope, t);
  if (msg && Array.isArray(v)) {
    return Object.fromEntries(msg.fields.map((f, i) => [f.name, toJson(scope, f.type, v[i])]));
  }
  if (t?.kind === 'primitive' && t.name === 'datum') return datumJson(v as Datum);
  if (typeof v === 'bigint') return bigintJson(v);
  // JSON has no NaN or infinities (anomaly scores can be either): they are written as strings.
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (v instanceof Uint8Array) return base64(v);
  if (Array.isArray(v)) return v.map((x) => toJson(scope, t?.kind === 'list' ? t.elem : null, x));
  if (v instanceof Map) {
    const vt = t?.kind === 'map' ? t.value : null;
    return Object.fromEntries([...v].map(([k, x]) => [String(toJson(scope, null, k)), toJson(scope, vt, x)]));
  }
  if (typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(scope, null, x)]));
  }
  return v;
}

function scalarText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'null';
  // euclid_lsh scores a row against itself as -0.0 (Jubatus clients print it so); keep the sign.
  if (typeof v === 'number' && Object.is(v, -0)) return '-0';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

const isScalarType = (scope: TypeScope, t: IdlType): boolean =>
  (t.kind === 'primitive' && !['datum', 'object', 'raw'].includes(t.name)) ||
  (t.kind === 'user' && scope.enums.has(t.name)) ||
  (t.kind === 'nullable' && isScalarType(scope, t.inner));

/** Rows of cells as columns padded to the widest cell; the last column is not padded. */
export function alignedTable(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

function indent(lines: string[], by = '  '): string[] {
  return lines.map((l) => by + l);
}

/** The readable lines for a result of type `t` (null = void: no lines). */
export function formatResult(scope: TypeScope, t: IdlType | null, v: unknown): string[] {
  if (t === null) return [];
  if (v === null || v === undefined) return ['null'];
  if (t.kind === 'nullable') return formatResult(scope, t.inner, v);
  const msg = messageOf(scope, t);
  if (msg) {
    const fields = msg.fields.map((f, i) => ({ f, x: (v as unknown[])[i] }));
    return fields.flatMap(({ f, x }) =>
      isScalarType(scope, f.type) ? [`${f.name}: ${scalarText(x)}`] : [`${f.name}:`, ...indent(formatResult(scope, f.type, x))]);
  }
  if (t.kind === 'list') {
    const list = v as unknown[];
    if (list.length === 0) return ['(empty)'];
    const rec = messageOf(scope, t.elem);
    if (rec && rec.fields.every((f) => isScalarType(scope, f.type))) {
      return alignedTable([rec.fields.map((f) => f.name), ...list.map((r) => (r as unknown[]).map(scalarText))]);
    }
    if (isScalarType(scope, t.elem)) return list.map(scalarText);
    return list.flatMap((x, i) => [`[${i}]`, ...indent(formatResult(scope, t.elem, x))]);
  }
  if (t.kind === 'map') {
    const entries = [...(v as Map<unknown, unknown>)].sort(([a], [b]) => String(a).localeCompare(String(b)));
    if (entries.length === 0) return ['(empty)'];
    if (isScalarType(scope, t.value)) return entries.map(([k, x]) => `${scalarText(k)}: ${scalarText(x)}`);
    // Status maps and the like: one group per key (per server), its contents indented.
    return entries.flatMap(([k, x]) => [`${scalarText(k)}:`, ...indent(formatResult(scope, t.value, x))]);
  }
  // get_config's text ends with a newline of its own.
  if (isScalarType(scope, t)) return [scalarText(v).replace(/\n$/, '')];
  return [JSON.stringify(toJson(scope, t, v))];
}
