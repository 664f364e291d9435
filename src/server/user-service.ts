/**
 * User services: `juba serve --idl my.idl --impl ./my-service.js`. The IDL gives the wire
 * surface (methods, locks, routing, aggregators); the module gives the behaviour. Its default
 * export is an object of methods, a factory `(config, ctx) => impl`, or a class constructed
 * as `new Impl(config, ctx)`. IDL methods are plain functions named as in the IDL; they may
 * return promises (the server keeps the method's lock until they settle).
 *
 * Optional hooks are camelCase, so they can never collide with an IDL method (IDL names are
 * lowercase), and mirror juba's own Engine interface:
 *   packModel(): value            the model for save and MIX catch-up (get_model)
 *   unpackModel(value): void      restores what packModel gave (load, catch-up)
 *   linearMixable: { diff(): d, merge(a, b): d, apply(d): boolean | void }   linear_mixer
 *   statusKeys(): {key: string}   extra get_status keys
 *   userDataVersion: number       model/MIX compatibility version (default 1)
 * Hooks are synchronous: they run inside save, load and MIX under the model lock. Without
 * packModel a saved model is empty and load restores nothing; without linearMixable MIX
 * rounds carry empty payloads.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Engine, EngineFactory, EngineOptions, LinearMixable } from '../engine/engine.js';
import { JubaError } from '../errors.js';
import { buildDescriptor } from '../idl/descriptor.js';
import { loadIdl } from '../idl/parser.js';
import { typeToString } from '../idl/codec.js';
import type { MethodDecl, ServiceDescriptor } from '../idl/types.js';
import type { Logger } from '../logger.js';
import { expectArray, type MsgValue } from '../msgpack/reader.js';
import type { MsgWriter } from '../msgpack/writer.js';
import type { ServedService } from './served-service.js';
import { ValueMismatch, conformValue, describeJs, readPlain, writePlain } from './user-values.js';

type Fn = (...args: unknown[]) => unknown;

/** What a factory or class receives besides the config. */
export interface UserServiceContext {
  /** The service name from the IDL. */
  service: string;
  /** This server's `ip_port`. */
  owner: string;
}

export interface UserLinearMixable {
  diff(): unknown;
  merge(a: unknown, b: unknown): unknown;
  apply(diff: unknown): boolean | void;
}

export interface UserSource {
  /** The IDL file and module path as the user gave them (for messages). */
  idlFile: string;
  implFile: string;
  logger: Logger;
}

/** The descriptor of service `service` (or the only one) in a user's IDL file. */
export function loadUserDescriptor(idlFile: string, service?: string): ServiceDescriptor {
  return buildDescriptor(loadIdl(idlFile), service);
}

/** Reads the IDL and imports the module; every check that needs no config happens here. */
export async function loadUserService(a: { idlFile: string; implFile: string; service?: string; logger: Logger }): Promise<ServedService> {
  const descriptor = loadUserDescriptor(a.idlFile, a.service);
  const exported = await importImpl(a.implFile);
  const factory = userServiceFactory(descriptor, exported, a);
  return { type: descriptor.name, descriptor, factory, idlFile: a.idlFile, configOptional: true };
}

async function importImpl(implFile: string): Promise<unknown> {
  const abs = path.resolve(implFile);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(abs).href)) as { default?: unknown };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const missing = err.code === 'ERR_MODULE_NOT_FOUND' && err.message.includes(abs);
    throw new JubaError(`cannot load the implementation ${implFile}: ${err.message}`, {
      code: missing ? 'not_found' : 'failed',
      hint: missing ? 'check the path given to --impl (relative to the current directory)' : 'fix the module so that node can import it',
      cause: e,
    });
  }
  if (mod.default === undefined || mod.default === null) {
    throw new JubaError(`${implFile} has no default export`, {
      code: 'usage',
      hint: 'export default an object of the IDL methods, a factory (config, ctx) => object, or a class',
    });
  }
  return mod.default;
}

function isClass(f: Fn): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(f));
}

function methodOf(impl: object, name: string): Fn | undefined {
  const f = (impl as Record<string, unknown>)[name];
  // `constructor` and friends are lowercase IDL names too; Object's own do not count.
  if (typeof f !== 'function' || f === (Object.prototype as unknown as Record<string, unknown>)[name]) return undefined;
  return f as Fn;
}

function checkImplements(descriptor: ServiceDescriptor, impl: object, src: UserSource): void {
  const missing = [...descriptor.methods.values()].filter((m) => !methodOf(impl, m.name));
  if (missing.length === 0) return;
  const list = missing.map((m) => `${m.name} (${src.idlFile}:${m.line})`).join(', ');
  throw new JubaError(`${src.implFile} does not implement ${missing.length === 1 ? 'method' : 'methods'} ${list} of service ${descriptor.name}`, {
    code: 'usage',
    hint: `add ${missing.map((m) => `${m.name}(${m.params.map((p) => p.name).join(', ')})`).join(', ')} to the exported implementation`,
  });
}

/** The EngineFactory for a user's export; exported for tests (no import needed). */
export function userServiceFactory(descriptor: ServiceDescriptor, exported: unknown, src: UserSource): EngineFactory {
  const make = (config: unknown, ctx: UserServiceContext): object => {
    if (typeof exported !== 'function') return exported as object;
    const impl = isClass(exported as Fn) ? new (exported as new (c: unknown, x: UserServiceContext) => object)(config, ctx) : (exported as Fn)(config, ctx);
    if (impl instanceof Promise) {
      throw new JubaError(`the factory exported by ${src.implFile} returned a promise`, {
        code: 'usage',
        hint: 'the factory must return the implementation itself; start async work inside the methods',
      });
    }
    if (typeof impl !== 'object' || impl === null) {
      throw new JubaError(`the factory exported by ${src.implFile} returned ${describeJs(impl)}, not an object of methods`, { code: 'usage' });
    }
    return impl;
  };
  if (typeof exported !== 'function') {
    if (typeof exported !== 'object') {
      throw new JubaError(`the default export of ${src.implFile} is a ${typeof exported}`, {
        code: 'usage',
        hint: 'export default an object of the IDL methods, a factory (config, ctx) => object, or a class',
      });
    }
    checkImplements(descriptor, exported as object, src); // fail before ZooKeeper or any config
  }
  return {
    type: descriptor.name,
    create(config: unknown, options: EngineOptions): Engine {
      const impl = make(config, { service: descriptor.name, owner: options.owner });
      checkImplements(descriptor, impl, src);
      return new UserServiceEngine(descriptor, impl, src);
    },
  };
}

/** A user's implementation seen as an Engine; its IDL methods are in `idlMethods`. */
export class UserServiceEngine implements Engine {
  readonly type: string;
  readonly userDataVersion: number;
  /** Each IDL method, checking its result against the declared return type. */
  readonly idlMethods: Readonly<Record<string, Fn>>;
  /** Present only when the implementation has a linearMixable (else MIX payloads are empty). */
  readonly linearMixable?: () => LinearMixable<unknown>;

  constructor(
    private readonly descriptor: ServiceDescriptor,
    private readonly impl: object,
    private readonly src: UserSource,
  ) {
    this.type = descriptor.name;
    const h = impl as { userDataVersion?: unknown; linearMixable?: unknown };
    const v = h.userDataVersion ?? 1;
    if (!Number.isSafeInteger(v) || (v as number) < 0) {
      throw new JubaError(`${src.implFile}: userDataVersion must be a non-negative integer, got ${describeJs(v)}`, { code: 'usage' });
    }
    this.userDataVersion = v as number;
    const methods: Record<string, Fn> = Object.create(null) as Record<string, Fn>;
    for (const m of descriptor.methods.values()) methods[m.name] = this.checked(m, methodOf(impl, m.name)!);
    this.idlMethods = methods;
    if (h.linearMixable !== undefined) {
      const lm = this.linearFrom(h.linearMixable);
      this.linearMixable = () => lm;
    }
  }

  private checked(m: MethodDecl, fn: Fn): Fn {
    const t = m.returnType;
    const label = `${this.descriptor.name}.${m.name}`;
    const check = (r: unknown): unknown => {
      if (t === null) return null;
      try {
        return conformValue(this.descriptor, t, r, 'result');
      } catch (e) {
        if (!(e instanceof ValueMismatch)) throw e;
        const msg = `${label} returned a value that does not match its IDL return type ${typeToString(t)}: ${e.message}`;
        this.src.logger.error({ method: m.name, implementation: this.src.implFile, expected: typeToString(t), got: e.got, at: e.path }, msg);
        throw new JubaError(msg);
      }
    };
    return (...args: unknown[]): unknown => {
      const r = fn.apply(this.impl, args);
      return r instanceof Promise ? r.then(check) : check(r);
    };
  }

  /** A hook's result; hooks run inside locked sections and MIX, so they must not be async. */
  private hook(name: string, fn: () => unknown): unknown {
    const r = fn();
    if (r instanceof Promise) {
      void r.catch(() => undefined);
      throw new JubaError(`${this.src.implFile}: ${name} returned a promise; it must be synchronous`, { code: 'usage' });
    }
    return r;
  }

  private optionalHook(name: 'packModel' | 'unpackModel' | 'statusKeys'): Fn | undefined {
    const f = (this.impl as Record<string, unknown>)[name];
    if (f === undefined) return undefined;
    if (typeof f !== 'function') throw new JubaError(`${this.src.implFile}: ${name} must be a function, got ${describeJs(f)}`, { code: 'usage' });
    return f as Fn;
  }

  status(): Record<string, string> {
    const f = this.optionalHook('statusKeys');
    if (!f) return {};
    const keys = this.hook('statusKeys', () => f.call(this.impl));
    if (typeof keys !== 'object' || keys === null) return {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(keys)) out[k] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
    return out;
  }

  packModel(w: MsgWriter): void {
    const f = this.optionalHook('packModel');
    if (!f) {
      w.nil();
      return;
    }
    writePlain(w, this.hook('packModel', () => f.call(this.impl)), 'packModel()');
  }

  unpackModel(v: MsgValue): void {
    const f = this.optionalHook('unpackModel');
    if (f) this.hook('unpackModel', () => f.call(this.impl, readPlain(v)));
  }

  /** One linear mixable: every payload is `[diff]`. */
  private linearFrom(lm: unknown): LinearMixable<unknown> {
    const m = lm as Partial<UserLinearMixable> | null;
    const fns = ['diff', 'merge', 'apply'] as const;
    if (typeof m !== 'object' || m === null || fns.some((k) => typeof m[k] !== 'function')) {
      throw new JubaError(`${this.src.implFile}: linearMixable must be an object with diff(), merge(a, b) and apply(diff) functions`, { code: 'usage' });
    }
    const mix = m as UserLinearMixable;
    const write = (w: MsgWriter, d: unknown): void => {
      w.arrayHeader(1);
      writePlain(w, d, 'linearMixable diff');
    };
    return {
      packDiff: (w) => write(w, this.hook('linearMixable.diff', () => mix.diff())),
      unpackDiff: (v) => readPlain(expectArray(v, 'linearMixable diff', 1)[0]!),
      mixDiff: (a, b) => this.hook('linearMixable.merge', () => mix.merge(a, b)),
      writeDiff: write,
      putDiff: (d) => this.hook('linearMixable.apply', () => mix.apply(d)) !== false,
    };
  }
}
