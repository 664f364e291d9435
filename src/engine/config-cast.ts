/**
 * Typed reads of a parsed JSON config with Jubatus's rules (core common/jsonconfig/cast):
 * missing required keys, wrong types and unknown ("redundant") keys are errors naming the path.
 */
import { ConfigError } from '../errors.js';

export type JsonObject = { [key: string]: unknown };

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'float';
  return typeof v;
}

export function child(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

export function asObject(v: unknown, path: string): JsonObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new ConfigError(path, `expected an object, got ${typeName(v)}`);
  }
  return v as JsonObject;
}

export function asArray(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new ConfigError(path, `expected an array, got ${typeName(v)}`);
  return v;
}

/** Rejects any key not in `allowed`, naming it ("redundant key" in Jubatus). */
export function checkKeys(obj: JsonObject, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      throw new ConfigError(child(path, k), `unknown key (allowed here: ${allowed.join(', ') || 'none'})`);
    }
  }
}

function present(obj: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key) && obj[key] !== null;
}

export function reqString(obj: JsonObject, key: string, path: string): string {
  if (!present(obj, key)) throw new ConfigError(child(path, key), 'required key is missing');
  return asString(obj[key], child(path, key));
}

export function optString(obj: JsonObject, key: string, path: string): string | undefined {
  return present(obj, key) ? asString(obj[key], child(path, key)) : undefined;
}

export function asString(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new ConfigError(path, `expected a string, got ${typeName(v)}`);
  return v;
}

/** int32/int64 fields take JSON integers only. */
export function asInt(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new ConfigError(path, `expected an integer, got ${typeName(v)}`);
  }
  return v;
}

export function reqInt(obj: JsonObject, key: string, path: string): number {
  if (!present(obj, key)) throw new ConfigError(child(path, key), 'required key is missing');
  return asInt(obj[key], child(path, key));
}

export function optInt(obj: JsonObject, key: string, path: string): number | undefined {
  return present(obj, key) ? asInt(obj[key], child(path, key)) : undefined;
}

/** float/double fields take JSON integers or floats. */
export function asNumber(v: unknown, path: string): number {
  if (typeof v !== 'number') throw new ConfigError(path, `expected a number, got ${typeName(v)}`);
  return v;
}

export function optNumber(obj: JsonObject, key: string, path: string): number | undefined {
  return present(obj, key) ? asNumber(obj[key], child(path, key)) : undefined;
}

export function optBool(obj: JsonObject, key: string, path: string): boolean | undefined {
  if (!present(obj, key)) return undefined;
  const v = obj[key];
  if (typeof v !== 'boolean') throw new ConfigError(child(path, key), `expected a boolean, got ${typeName(v)}`);
  return v;
}

/** A map of string → string (e.g. converter type parameters). */
export function asStringMap(v: unknown, path: string): Record<string, string> {
  const obj = asObject(v, path);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj)) out[k] = asString(val, child(path, k));
  return out;
}
