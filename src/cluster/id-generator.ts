/**
 * The cluster-wide id generator (framework spec §3.4; 1.1.1's global_id_generator_zk): the
 * persistent node `/jubatus/actors/<type>/<name>/id_generator`. Drawing an id sets its data to
 * "dummy\0" (any version) and takes the node's new data version, so ids run 1, 2, 3, … across
 * every server of the cluster (prefix 0: the version is the id).
 */
import * as P from './paths.js';
import { isNodeExists } from './zk-errors.js';
import type { Coordination } from './zk.js';

const DUMMY = Buffer.from('dummy\0', 'latin1');

/** Creates the generator's node (empty data) if it is missing, as a server does at start. */
export async function ensureIdGenerator(zk: Coordination, type: string, name: string): Promise<void> {
  try {
    await zk.create(P.idGenerator(type, name), '', 'persistent');
  } catch (e) {
    if (!isNodeExists(e)) throw e;
  }
}

/** Draws the next cluster-wide id. */
export async function drawGlobalId(zk: Coordination, type: string, name: string): Promise<number> {
  return zk.setData(P.idGenerator(type, name), DUMMY, -1);
}
