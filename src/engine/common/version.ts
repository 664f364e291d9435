/**
 * Jubatus's model `version` (engine spec §5.2): a uint64 counter, `[n]` on the wire. Mixables
 * that carry one (linear storage, labels, weight manager) accept a mixed diff only when its
 * version equals theirs, then move on by one.
 */
import { expectArray, expectNumber, MsgpackError, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';

export function writeVersion(w: MsgWriter, v: number): void {
  w.arrayHeader(1);
  w.int(v);
}

export function readCount(v: MsgValue, what: string): number {
  const n = expectNumber(v, what);
  if (!Number.isInteger(n) || n < 0) throw new MsgpackError(`${what}: expected a non-negative integer`);
  return n;
}

export function readVersion(v: MsgValue): number {
  return readCount(expectArray(v, 'version', 1)[0]!, 'version');
}
