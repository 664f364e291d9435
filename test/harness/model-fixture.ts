/** The model part of a model file 1.1.1 saved for a reference scenario (engine spec §4.8). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MsgReader, type MsgValue } from '../../src/msgpack/reader.js';
import { REFERENCE_DIR } from './reference.js';

/** The user data's model (after the 48-byte header, the system data and the user data version). */
export function fixtureModel(name: string): MsgValue {
  const r = new MsgReader(readFileSync(path.join(REFERENCE_DIR, `${name}.seed2.jubatus`)), 48);
  r.read();
  const user = r.read();
  if (!Array.isArray(user) || user.length !== 2) throw new Error(`${name}: user data is not [version, model]`);
  return user[1]!;
}
