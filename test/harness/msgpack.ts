/** What engine and codec tests write and read back: the bytes a MsgWriter call produces. */
import { decodeOne, type MsgValue } from '../../src/msgpack/reader.js';
import { MsgWriter } from '../../src/msgpack/writer.js';

export function bytes(f: (w: MsgWriter) => void): Uint8Array {
  const w = new MsgWriter();
  f(w);
  return w.toBytes();
}

/** The same, decoded back into a msgpack value. */
export function packed(f: (w: MsgWriter) => void): MsgValue {
  return decodeOne(bytes(f));
}
