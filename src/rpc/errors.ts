/** Wire error semantics of Jubatus's msgpack-rpc (framework spec §1.4). */
import type { MsgValue } from '../msgpack/reader.js';
import { bytesToString } from '../msgpack/reader.js';

export const NO_METHOD_ERROR = 1;
export const ARGUMENT_ERROR = 2;

/** An error answer from the remote side, or a local failure of the call (timeout, closed). */
export class RpcError extends Error {
  /** The response's error field: 1, 2, a message string, or a local marker. */
  readonly error: MsgValue | string;
  readonly result: MsgValue;
  constructor(message: string, error: MsgValue | string, result: MsgValue = null) {
    super(message);
    this.name = 'RpcError';
    this.error = error;
    this.result = result;
  }

  static fromResponse(method: string, error: MsgValue, result: MsgValue): RpcError {
    if (error === NO_METHOD_ERROR) {
      const name = result instanceof Uint8Array ? bytesToString(result) : method;
      return new RpcError(`unknown method: ${name}`, error, result);
    }
    if (error === ARGUMENT_ERROR) {
      const text = result instanceof Uint8Array ? bytesToString(result) : 'type mismatch';
      return new RpcError(`argument error in ${method}: ${text}`, error, result);
    }
    if (error instanceof Uint8Array) return new RpcError(bytesToString(error), error, result);
    return new RpcError(`rpc error: ${String(error)}`, error, result);
  }
}

/** Local (client-side) failures carry the C++ library's raw strings (spec §1.4). */
export const TIMED_OUT = 'request timed out';
export const CONNECT_FAILED = 'connect failed';
export const CONNECTION_CLOSED = 'connection closed';

export function isLocalError(e: unknown, kind: string): boolean {
  return e instanceof RpcError && e.error === kind;
}

/** A failure of the connection or the wait (connect failed, closed, timed out), not an answer. */
export function isTransportError(e: unknown): boolean {
  return e instanceof RpcError && (e.error === CONNECT_FAILED || e.error === CONNECTION_CLOSED || e.error === TIMED_OUT);
}
