/**
 * The one walk of an IDL file that every `juba gen` language shares. It checks what all
 * languages need (a service to generate, resolvable types), builds one descriptor per service,
 * lists the client built-ins, visits every type the output will mention so a language that
 * cannot express a primitive exactly is reported once (stderr) and can say so in its code,
 * and folds types for the emitters. A language is then a small emitter: names, type spelling,
 * file layout and an optional runtime.
 */
import { JubaError } from '../errors.js';
import { DO_MIX, GET_PROXY_STATUS, SERVER_BUILTINS } from './builtins.js';
import { buildDescriptor, resolveType } from './descriptor.js';
import type { EnumDecl, Field, IdlFile, IdlType, MessageDecl, MethodDecl, PrimitiveName, ServiceDescriptor } from './types.js';

export interface GeneratedFile {
  /** Relative to the output folder. */
  path: string;
  text: string;
  /** A skeleton the user fills in: written once, never replaced without being asked. */
  userOwned: boolean;
}

export interface GenOptions {
  /** What the header says the code was generated from (the IDL file's name). */
  source: string;
  /** Also write an implementation skeleton per service (languages that have one). */
  skeleton?: boolean;
  /** Also write the language's self-contained runtime. */
  runtime?: boolean;
  /** The package / module / namespace to generate into (each language has a default). */
  package?: string;
  /** Where notes about lossy type mappings go (the CLI prints them on stderr). */
  warn?: (line: string) => void;
}

/** One service as every client emitter sees it. */
export interface ServiceModel {
  name: string;
  desc: ServiceDescriptor;
  /** The IDL methods, in IDL order. */
  methods: MethodDecl[];
}

export interface ClientModel {
  idl: IdlFile;
  source: string;
  /** The IDL file's base name as an identifier (`kvs.idl` → `kvs`). */
  base: string;
  enums: EnumDecl[];
  /** Messages, then exceptions (with their ancestors' fields first), as they travel. */
  messages: MessageDecl[];
  services: ServiceModel[];
  /** The note a language attached to a primitive it cannot express exactly, if any. */
  lossy: (p: PrimitiveName) => string | undefined;
  /** Resolves `user` types against the IDL's declarations. */
  resolve: (t: IdlType) => ReturnType<typeof resolveType>;
}

/**
 * Methods every generated client offers besides its IDL methods (framework spec §7): the
 * server built-ins, `do_mix`, `get_proxy_status`, and the local `get_name` / `set_name`.
 * The wire ones are listed here; a language's runtime base class implements all of them.
 */
export const CLIENT_BUILTINS: readonly MethodDecl[] = [...SERVER_BUILTINS, DO_MIX, GET_PROXY_STATUS];

/** Names every generated client has besides the wire built-ins; an IDL method must not take them. */
export const CLIENT_LOCAL = ['get_name', 'set_name', 'get_client', 'close'];

/** A language's part of the shared walk. */
export interface Emitter {
  /**
   * ts only, as it always did: rewrite its generated files whatever is there. Other languages
   * replace an existing file only when juba gen wrote it, or with --force.
   */
  alwaysRewrite?: boolean;
  /** Primitives this language cannot express exactly: what it uses instead, as a comment. */
  lossy?: Partial<Record<PrimitiveName, string>>;
  emit(model: ClientModel, opts: GenOptions): GeneratedFile[];
}

function usage(message: string, hint: string): JubaError {
  return new JubaError(message, { code: 'usage', hint });
}

/** `nearest_neighbor` → `NearestNeighbor`. */
export function pascalCase(name: string): string {
  return name.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

/** `nearest_neighbor` → `nearestNeighbor`. */
export function camelCase(name: string): string {
  const p = pascalCase(name);
  return p.charAt(0).toLowerCase() + p.slice(1);
}

/** `name` with `_` appended when `reserved` has it: the one escaping rule of every language. */
export function escapeName(name: string, reserved: ReadonlySet<string>): string {
  return reserved.has(name) ? `${name}_` : name;
}

/** Cases of a fold over an IDL type, user types already resolved. */
export interface TypeFold<R> {
  primitive(name: PrimitiveName): R;
  list(elem: R, t: IdlType): R;
  map(key: R, value: R, t: IdlType): R;
  nullable(inner: R, t: IdlType): R;
  message(decl: MessageDecl): R;
  enumeration(decl: EnumDecl): R;
}

/** Folds `t` bottom-up with `f`. */
export function foldType<R>(model: Pick<ClientModel, 'resolve'>, t: IdlType, f: TypeFold<R>): R {
  const r = model.resolve(t);
  switch (r.kind) {
    case 'primitive': return f.primitive(r.name);
    case 'list': return f.list(foldType(model, r.elem, f), r);
    case 'map': return f.map(foldType(model, r.key, f), foldType(model, r.value, f), r);
    case 'nullable': return f.nullable(foldType(model, r.inner, f), r);
    case 'message': return f.message(r.decl);
    case 'enum': return f.enumeration(r.decl);
  }
}

/** Every primitive `t` mentions, messages not followed (they are visited on their own). */
function primitivesOf(t: IdlType, out: Set<PrimitiveName>): void {
  switch (t.kind) {
    case 'primitive': out.add(t.name); break;
    case 'list': primitivesOf(t.elem, out); break;
    case 'map': primitivesOf(t.key, out); primitivesOf(t.value, out); break;
    case 'nullable': primitivesOf(t.inner, out); break;
    case 'user': break;
  }
}

/** Messages with those they contain first, otherwise in declaration order. */
function dependencyOrder(messages: MessageDecl[]): MessageDecl[] {
  const byName = new Map(messages.map((m) => [m.name, m]));
  const out: MessageDecl[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const users = (t: IdlType, acc: string[]): string[] => {
    switch (t.kind) {
      case 'user': acc.push(t.name); break;
      case 'list': users(t.elem, acc); break;
      case 'map': users(t.key, acc); users(t.value, acc); break;
      case 'nullable': users(t.inner, acc); break;
      case 'primitive': break;
    }
    return acc;
  };
  const visit = (m: MessageDecl): void => {
    if (state.has(m.name)) return; // done, or a cycle (left in declaration order)
    state.set(m.name, 'visiting');
    for (const f of m.fields) {
      for (const n of users(f.type, [])) {
        const dep = byName.get(n);
        if (dep) visit(dep);
      }
    }
    state.set(m.name, 'done');
    out.push(m);
  };
  messages.forEach(visit);
  return out;
}

/** The identifier form of an IDL file's name. */
export function idlBase(source: string): string {
  return source.replace(/\.idl$/, '').replace(/[^A-Za-z0-9_]/g, '_');
}

/**
 * The shared walk: descriptors per service, the model emitters read, and one stderr line per
 * primitive the language maps lossily (`lang` names the language in that line).
 */
export function walkIdl(idl: IdlFile, opts: GenOptions, lang: string, emitter: Pick<Emitter, 'lossy'>): ClientModel {
  if (idl.services.length === 0) throw usage(`${idl.file}: declares no service, so there is nothing to generate`, 'add a service block');
  const descs = idl.services.map((s) => buildDescriptor(idl, s.name));
  const first = descs[0]!;
  const services = descs.map((d) => ({ name: d.name, desc: d, methods: [...d.methods.values()] }));
  const messages = dependencyOrder([...first.messages.values()]);
  const used = new Set<PrimitiveName>();
  const fields: Field[] = messages.flatMap((m) => m.fields);
  for (const s of services) {
    for (const m of s.methods) {
      if (m.returnType) primitivesOf(m.returnType, used);
      for (const p of m.params) primitivesOf(p.type, used);
    }
  }
  for (const f of fields) primitivesOf(f.type, used);
  const lossy = emitter.lossy ?? {};
  for (const p of [...used].sort()) {
    const note = lossy[p];
    if (note !== undefined) opts.warn?.(`juba gen: ${lang} has no exact type for IDL ${p}; ${note}`);
  }
  return {
    idl,
    source: opts.source,
    base: idlBase(opts.source),
    enums: idl.enums,
    messages,
    services,
    lossy: (p) => lossy[p],
    resolve: (t) => resolveType(first, t),
  };
}

/** IDL doc lines as a block of line comments (`prefix` includes the indent). */
export function lineComments(lines: readonly string[], prefix: string): string {
  return lines.map((l) => `${prefix}${l ? ` ${l.trimEnd()}` : ''}\n`).join('');
}

/**
 * Refuses IDL names that the generated code of a language would turn into the same name or
 * into one of the client's own members. `methodName` maps an IDL method name to the language's.
 */
export function checkMethodNames(model: ClientModel, lang: string, methodName: (n: string) => string): void {
  const own = new Set([...CLIENT_LOCAL, ...CLIENT_BUILTINS.map((b) => b.name)].map(methodName));
  for (const s of model.services) {
    const seen = new Map<string, string>();
    for (const m of s.methods) {
      const n = methodName(m.name);
      if (own.has(n) && !CLIENT_BUILTINS.some((b) => b.name === m.name)) {
        throw usage(`${model.idl.file}:${m.line}:${m.col}: method ${m.name} clashes with ${n}() of every generated ${lang} client`, 'rename the method in the IDL');
      }
      const prev = seen.get(n);
      if (prev !== undefined) throw usage(`methods ${prev} and ${m.name} both become ${n} in ${lang}`, 'rename one of them in the IDL');
      seen.set(n, m.name);
    }
  }
}
