/**
 * Service descriptors: one IDL service with the user types it can see, as the server, proxy,
 * typed clients and codegen all consume it. Engine descriptors come from the package's own
 * `idl/<engine>.idl`, the single source of truth for each engine's wire surface.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JubaError } from '../errors.js';
import { loadIdl, validateTypes } from './parser.js';
import type { EnumDecl, ExceptionDecl, IdlFile, IdlType, MessageDecl, ServiceDescriptor } from './types.js';

/**
 * Picks one service out of `idl`. Built-ins (get_config, save, load, get_status) are not added:
 * the server and proxy register those themselves (see builtins.ts).
 *
 * Exceptions join `messages` with their ancestors' fields first: on the wire they are plain
 * structs, so the codec needs no separate table for them.
 */
export function buildDescriptor(idl: IdlFile, serviceName?: string): ServiceDescriptor {
  validateTypes(idl);
  const names = idl.services.map((s) => s.name);
  const svc = serviceName === undefined
    ? idl.services.length === 1 ? idl.services[0] : undefined
    : idl.services.find((s) => s.name === serviceName);
  if (!svc) {
    const has = names.length ? `it declares ${names.join(', ')}` : 'it declares no service';
    const msg = serviceName === undefined
      ? `${idl.file}: expected exactly one service, ${has}`
      : `${idl.file}: no service '${serviceName}', ${has}`;
    throw new JubaError(msg, { code: serviceName === undefined ? 'usage' : 'not_found', hint: 'name the service to use' });
  }
  const messages = new Map<string, MessageDecl>(idl.messages.map((m) => [m.name, m]));
  const exceptions = new Map(idl.exceptions.map((e) => [e.name, e]));
  for (const e of idl.exceptions) messages.set(e.name, { name: e.name, fields: inheritedFields(e, exceptions) });
  return {
    name: svc.name,
    methods: new Map(svc.methods.map((m) => [m.name, m])),
    messages,
    enums: new Map<string, EnumDecl>(idl.enums.map((e) => [e.name, e])),
    useCht: svc.methods.some((m) => m.routing.kind === 'cht'),
  };
}

function inheritedFields(e: ExceptionDecl, all: Map<string, ExceptionDecl>): MessageDecl['fields'] {
  const parent = e.parent === undefined ? undefined : all.get(e.parent);
  return parent ? [...inheritedFields(parent, all), ...e.fields] : e.fields;
}

/** A type with `user` names replaced by what they name. */
export type ResolvedType =
  | Exclude<IdlType, { kind: 'user' }>
  | { kind: 'message'; decl: MessageDecl }
  | { kind: 'enum'; decl: EnumDecl };

/** Follows a `user` type to its declaration; other types come back unchanged. */
export function resolveType(desc: Pick<ServiceDescriptor, 'messages' | 'enums'>, t: IdlType): ResolvedType {
  if (t.kind !== 'user') return t;
  const msg = desc.messages.get(t.name);
  if (msg) return { kind: 'message', decl: msg };
  const en = desc.enums.get(t.name);
  if (en) return { kind: 'enum', decl: en };
  throw new JubaError(`unknown IDL type '${t.name}'`, { code: 'failed', hint: 'declare it in the IDL or %include its file' });
}

let rootCache: string | undefined;

/**
 * The folder holding juba's package.json, found from this module's own location so it works
 * from `src/idl/` (tsx, vitest) and from `dist/idl/` (built) alike.
 */
export function packageRoot(): string {
  if (rootCache !== undefined) return rootCache;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new JubaError('cannot find the juba package root (no package.json above the idl module)');
    dir = up;
  }
  rootCache = dir;
  return dir;
}

/** Where an engine's IDL lives in the package. */
export function engineIdlPath(engine: string): string {
  // The name becomes a path: keep it to IDL identifiers so it cannot climb out of idl/.
  if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(engine)) {
    throw new JubaError(`invalid engine name '${engine}'`, { code: 'usage' });
  }
  return join(packageRoot(), 'idl', `${engine}.idl`);
}

const engineCache = new Map<string, ServiceDescriptor>();

/** The descriptor of a shipped engine, parsed once per process. */
export function loadEngineDescriptor(engine: string): ServiceDescriptor {
  const cached = engineCache.get(engine);
  if (cached) return cached;
  const path = engineIdlPath(engine);
  if (!existsSync(path)) {
    throw new JubaError(`unknown engine '${engine}': no ${path}`, { code: 'not_found', hint: 'see the idl/ folder for the engines juba ships' });
  }
  const desc = buildDescriptor(loadIdl(path), engine);
  engineCache.set(engine, desc);
  return desc;
}

/**
 * What a proxy needs of a shipped service: its IDL alone (no engine code). Every engine in idl/
 * can be proxied, including those juba has no server for (their servers may be Jubatus's own).
 * Takes the type or a Jubatus program name (`jubaclassifier_proxy`).
 */
export function engineProxyDescriptor(name: string): ServiceDescriptor {
  return loadEngineDescriptor(name.replace(/^juba/, '').replace(/_proxy$/, ''));
}

/**
 * What operator tools (ctl, top) need to talk to any member of a cluster of `type`: the shipped
 * IDL when there is one, else a descriptor with no service methods. The built-ins (get_status,
 * save, load, do_mix…) are the same for every service, so a user service's members can be
 * watched and controlled without its IDL file.
 */
export function descriptorForType(type: string): ServiceDescriptor {
  if (existsSync(engineIdlPath(type))) return loadEngineDescriptor(type);
  return { name: type, methods: new Map(), messages: new Map(), enums: new Map(), useCht: false };
}
