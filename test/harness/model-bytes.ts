/** The model bytes of a model file 1.1.1 saved for a reference scenario, exactly as written. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REFERENCE_DIR } from './reference.js';

/** The user data after its `[user_data_version, …` header: the driver's model, undecoded. */
export function fixtureModelBytes(name: string): Uint8Array {
  const file = readFileSync(path.join(REFERENCE_DIR, `${name}.seed2.jubatus`));
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const sys = Number(view.getBigUint64(32));
  const user = file.subarray(48 + sys);
  // [version, model]: fixarray of 2, then a positive fixint version (1).
  if (user[0] !== 0x92 || user[1]! > 0x7f) throw new Error(`${name}: unexpected user data header`);
  return user.subarray(2);
}
