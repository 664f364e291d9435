/**
 * jubavisor's `server_argv` (what `jubactl start` sends a visor for the servers to start), in
 * its wire form. Its own module so `juba ctl` can encode it without loading the visor itself.
 */
import { ArgumentError } from '../errors.js';
import { bytesToString, type MsgValue } from '../msgpack/reader.js';
import type { MsgWriter } from '../msgpack/writer.js';

/** J `framework/server_util.hpp` server_argv, in its MSGPACK_DEFINE order (20 fields). */
export interface ServerArgv {
  port: number;
  bindAddress: string;
  bindIf: string;
  timeout: number;
  zookeeperTimeout: number;
  interconnectTimeout: number;
  threadnum: number;
  programName: string;
  type: string;
  z: string;
  name: string;
  datadir: string;
  logdir: string;
  logConfig: string;
  eth: string;
  intervalSec: number;
  intervalCount: number;
  mixer: string;
  daemon: boolean;
  configTest: boolean;
}

/** server_argv's constructor defaults (the fields jubactl leaves alone keep these). */
export const SERVER_ARGV_DEFAULTS: ServerArgv = {
  port: 9199, bindAddress: '', bindIf: '', timeout: 10, zookeeperTimeout: 10, interconnectTimeout: 10,
  threadnum: 2, programName: 'jubatus', type: '', z: '', name: '', datadir: '/tmp', logdir: '', logConfig: '',
  eth: 'localhost', intervalSec: 16, intervalCount: 512, mixer: 'linear_mixer', daemon: false, configTest: false,
};

type Kind = 'int' | 'str' | 'bool';
const ARGV_FIELDS: Array<[keyof ServerArgv, Kind]> = [
  ['port', 'int'], ['bindAddress', 'str'], ['bindIf', 'str'], ['timeout', 'int'], ['zookeeperTimeout', 'int'],
  ['interconnectTimeout', 'int'], ['threadnum', 'int'], ['programName', 'str'], ['type', 'str'], ['z', 'str'],
  ['name', 'str'], ['datadir', 'str'], ['logdir', 'str'], ['logConfig', 'str'], ['eth', 'str'],
  ['intervalSec', 'int'], ['intervalCount', 'int'], ['mixer', 'str'], ['daemon', 'bool'], ['configTest', 'bool'],
];

export function encodeServerArgv(w: MsgWriter, a: ServerArgv): void {
  w.arrayHeader(ARGV_FIELDS.length);
  for (const [k, kind] of ARGV_FIELDS) {
    const v = a[k];
    if (kind === 'int') w.int(v as number);
    else if (kind === 'str') w.str(v as string);
    else w.bool(v as boolean);
  }
}

/** Decodes the wire array; a wrong shape is wire error 2, as msgpack-c's conversion fails. */
export function decodeServerArgv(v: MsgValue): ServerArgv {
  if (!Array.isArray(v) || v.length < ARGV_FIELDS.length) {
    throw new ArgumentError(`server_argv must be an array of ${ARGV_FIELDS.length} fields`);
  }
  const out: Record<string, unknown> = {};
  ARGV_FIELDS.forEach(([k, kind], i) => {
    const x = v[i]!;
    if (kind === 'int' && typeof x === 'number' && Number.isInteger(x)) out[k] = x;
    else if (kind === 'int' && typeof x === 'bigint') out[k] = Number(x);
    else if (kind === 'str' && x instanceof Uint8Array) out[k] = bytesToString(x);
    else if (kind === 'bool' && typeof x === 'boolean') out[k] = x;
    else throw new ArgumentError(`server_argv field ${i} (${k}) must be ${kind}`);
  });
  return out as unknown as ServerArgv;
}
