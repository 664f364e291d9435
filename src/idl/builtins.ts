/**
 * Methods every Jubatus server (and proxy) answers besides its IDL methods (framework spec §7,
 * §5.2, §10.3). They share the descriptor types so the server, proxy and clients treat them
 * like any other method.
 */
import type { IdlType, MethodDecl, Routing, LockKind, AggregatorName } from './types.js';

const str: IdlType = { kind: 'primitive', name: 'string' };
const bool: IdlType = { kind: 'primitive', name: 'bool' };
const strMap: IdlType = { kind: 'map', key: str, value: str };
const statusMap: IdlType = { kind: 'map', key: str, value: strMap };

function builtin(
  name: string,
  returnType: IdlType,
  params: MethodDecl['params'],
  routing: Routing,
  lock: LockKind,
  aggregator: AggregatorName,
): MethodDecl {
  return { name, returnType, params, routing, lock, aggregator, doc: [], line: 0, col: 0 };
}

const idParam = [{ id: 0, name: 'id', type: str }];

/** Built-ins of every engine server, with the model lock each takes (`load` writes the model). */
export const SERVER_BUILTINS: readonly MethodDecl[] = [
  builtin('get_config', str, [], { kind: 'random' }, 'analysis', 'pass'),
  builtin('save', strMap, idParam, { kind: 'broadcast' }, 'analysis', 'merge'),
  builtin('load', bool, idParam, { kind: 'broadcast' }, 'update', 'all_and'),
  builtin('get_status', statusMap, [], { kind: 'broadcast' }, 'analysis', 'merge'),
];

/** Distributed servers only: force a MIX round now. */
export const DO_MIX = builtin('do_mix', bool, [], { kind: 'internal' }, 'nolock', 'pass');

/** Proxies only: the proxy's own status. */
export const GET_PROXY_STATUS = builtin('get_proxy_status', statusMap, [], { kind: 'internal' }, 'nolock', 'pass');
