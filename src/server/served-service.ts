/**
 * What `juba serve` hosts or proxies: a service type (the name in ZooKeeper paths, status and
 * model files), its IDL descriptor, and the factory that builds its implementation from a
 * config. A shipped engine and a user's IDL + module (user-service.ts) both come down to this.
 */
import type { EngineFactory } from '../engine/engine.js';
import { engineFactory } from '../engine/registry.js';
import { loadEngineDescriptor } from '../idl/descriptor.js';
import type { ServiceDescriptor } from '../idl/types.js';

export interface ServedService {
  readonly type: string;
  readonly descriptor: ServiceDescriptor;
  readonly factory: EngineFactory;
  /** The user's IDL file; absent for shipped engines. */
  readonly idlFile?: string;
  /** A user service runs without -f (its config is then `{}`); an engine needs its config. */
  readonly configOptional: boolean;
}

/** A shipped engine, by type or Jubatus server name (`jubanearest_neighbor`). */
export function engineService(name: string): ServedService {
  const factory = engineFactory(name);
  return { type: factory.type, descriptor: loadEngineDescriptor(factory.type), factory, configOptional: false };
}
