/**
 * How a msgpack-rpc call fails (framework spec §1.4): either the server answered with an error
 * (`RpcError`), or no answer ever came (`RpcTransportError`: timed out, could not connect, or
 * the connection went away). Callers tell them apart with `instanceof`; the messages keep the
 * C++ client's strings ("request timed out", "connect failed: host:port (...)").
 */
import type { MsgValue } from '../msgpack/reader.js';
import { bytesToString } from '../msgpack/reader.js';

export const NO_METHOD_ERROR = 1;
export const ARGUMENT_ERROR = 2;

/** The server answered with an error: its response's error field and result. */
export class RpcError extends Error {
  /** The response's error field: 1 (no method), 2 (argument error), or the method's message. */
  readonly error: MsgValue;
  readonly result: MsgValue;
  constructor(message: string, error: MsgValue, result: MsgValue = null) {
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

/** The call never got an answer from `address` (host:port). */
export abstract class RpcTransportError extends Error {
  constructor(message: string, readonly address: string) {
    super(message);
  }
}

/** No answer within the call's timeout; the connection may still be fine. */
export class RpcTimeoutError extends RpcTransportError {
  constructor(readonly method: string, readonly timeoutMs: number, address: string) {
    super(`${method}: request timed out after ${timeoutMs} ms (${address})`, address);
    this.name = 'RpcTimeoutError';
  }
}

/** The connection could not be opened (refused, unreachable, connect timeout, no room in a pool). */
export class RpcConnectError extends RpcTransportError {
  constructor(address: string, reason: string) {
    super(`connect failed: ${address} (${reason})`, address);
    this.name = 'RpcConnectError';
  }
}

/** The connection closed (reset by the peer, or closed here) while the call waited. */
export class RpcClosedError extends RpcTransportError {
  constructor(address: string) {
    super(`connection closed: ${address}`, address);
    this.name = 'RpcClosedError';
  }
}
