/**
 * `juba/client`: clients of juba (and Jubatus) servers and proxies.
 *
 *   const nn = createClient('nearest_neighbor', { host: '127.0.0.1', port: 9199, name: 'sensors' });
 *   await nn.setRow('a', { stringValues: [], numValues: [['x', 1]], binaryValues: [] });
 *   await nn.similarRowFromId('a', 5);
 *   nn.close();
 *
 * `createClient` types each engine's IDL methods (camelCase); `ServiceClient` calls any
 * service, a user's IDL service included, by method name.
 */
import { ServiceClient, type ServiceClientOptions } from '../client/service-client.js';
import { engineFactory, engineTypes } from '../engine/registry.js';
import { camelCase } from '../idl/codegen-model.js';
import { buildDescriptor, loadEngineDescriptor } from '../idl/descriptor.js';
import { loadIdl } from '../idl/parser.js';
import type { ServiceDescriptor } from '../idl/types.js';
import type { AsyncMethods, EngineServices, EngineType } from './services.js';

export { ServiceClient, serviceMethods, type ServiceClientOptions, type StatusMap } from '../client/service-client.js';
export { RpcClosedError, RpcConnectError, RpcError, RpcTimeoutError, RpcTransportError } from '../rpc/errors.js';
export type { Datum } from '../engine/datum.js';
export type { AsyncMethods, CamelCase, EngineServices, EngineType } from './services.js';
export type { ServiceDescriptor } from '../idl/types.js';
export { loadEngineDescriptor };

/** A client of engine `T`: its IDL methods in camelCase, plus the built-ins of ServiceClient. */
export type EngineClient<T extends EngineType> = ServiceClient & AsyncMethods<Omit<EngineServices[T], 'get_config' | 'get_status' | 'save' | 'load'>>;

/** A typed client of a shipped engine's server or proxy. */
export function createClient<T extends EngineType>(type: T, options: ServiceClientOptions): EngineClient<T> {
  if (!engineTypes().includes(type)) engineFactory(type); // throws, listing the engines
  return withMethods(new ServiceClient(loadEngineDescriptor(type), options)) as EngineClient<T>;
}

/** The descriptor of the service in an IDL file (a user's service, for ServiceClient). */
export function loadServiceDescriptor(idlFile: string, service?: string): ServiceDescriptor {
  return buildDescriptor(loadIdl(idlFile), service);
}

function withMethods(c: ServiceClient): ServiceClient {
  for (const m of c.service.methods.values()) {
    const name = camelCase(m.name);
    if (name in c) continue; // getStatus, save… are ServiceClient's own
    Object.defineProperty(c, name, { enumerable: false, value: (...args: unknown[]) => c.call(m.name, ...args) });
  }
  return c;
}
