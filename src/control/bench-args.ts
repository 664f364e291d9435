/**
 * Argument templates for `juba bench`: a JSON array, one element per parameter, where every
 * string containing `{id}` gets a random id from the pool on each call. The template is typed
 * once; per call only the arguments that hold a placeholder are rebuilt.
 */
import { JubaError } from '../errors.js';
import type { TypeScope } from '../idl/codec.js';
import type { MethodDecl } from '../idl/types.js';
import { argsFromJson, signature } from '../idl/json-values.js';

export const ID_PLACEHOLDER = '{id}';

export function hasPlaceholder(v: unknown): boolean {
  if (typeof v === 'string') return v.includes(ID_PLACEHOLDER);
  if (Array.isArray(v)) return v.some(hasPlaceholder);
  if (v instanceof Map) return [...v].some(([k, x]) => hasPlaceholder(k) || hasPlaceholder(x));
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) return Object.values(v).some(hasPlaceholder);
  return false;
}

/** A copy of `v` with `{id}` replaced in every string; parts without one are shared. */
function substitute(v: unknown, id: string): unknown {
  if (typeof v === 'string') return v === ID_PLACEHOLDER ? id : v.replaceAll(ID_PLACEHOLDER, id);
  if (!hasPlaceholder(v)) return v;
  if (Array.isArray(v)) return v.map((x) => substitute(x, id));
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [substitute(k, id), substitute(x, id)]));
  return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, substitute(x, id)]));
}

/** Parses `--args` text (a JSON array) for method `m`. */
export function parseArgsTemplate(m: MethodDecl, text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new JubaError(`--args must be a JSON array (${(e as Error).message})`, {
      code: 'usage',
      hint: `${signature(m)}; e.g. --args '["${ID_PLACEHOLDER}", 10]'`,
    });
  }
  if (!Array.isArray(parsed)) {
    throw new JubaError(`--args must be a JSON array, one element per parameter of ${m.name}`, { code: 'usage', hint: signature(m) });
  }
  return parsed;
}

/**
 * Turns a template into a per-call argument maker. Typing happens once, so a bad template fails
 * before the run; `pickId` is only called for arguments that hold a placeholder.
 */
export function compileArgs(scope: TypeScope, m: MethodDecl, template: unknown[], pickId: () => string): () => unknown[] {
  const typed = argsFromJson(scope, m, template);
  const dynamic = typed.map(hasPlaceholder);
  if (!dynamic.includes(true)) return () => typed;
  return () => {
    const id = pickId();
    return typed.map((v, i) => (dynamic[i] ? substitute(v, id) : v));
  };
}
