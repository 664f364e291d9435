/**
 * Model files, byte for byte as Jubatus 1.x writes them (framework spec §8): a 48-byte
 * big-endian header, CRC-32 over everything but the CRC field, msgpack system data, msgpack user
 * data. Load checks run in Jubatus's order and fail with its messages.
 */
import { crc32 } from 'node:zlib';
import { JubaError } from '../errors.js';
import { MsgReader, expectArray, expectNumber, expectString, type MsgValue } from '../msgpack/reader.js';
import { MsgWriter } from '../msgpack/writer.js';

export const JUBATUS_VERSION = [1, 1, 1] as const;
export const VERSION_STRING = JUBATUS_VERSION.join('.');
const MAGIC = new Uint8Array([0x6a, 0x75, 0x62, 0x61, 0x74, 0x75, 0x73, 0x00]); // "jubatus\0"
const HEADER = 48;

export interface SystemData {
  version: number;
  timestamp: number;
  type: string;
  id: string;
  config: string;
}

export class ModelFileError extends JubaError {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

/** `[a-z…]` ids: printable ASCII, no '/', not empty (checked before save and load). */
export function checkModelId(id: string): void {
  if (id === '') throw new ModelFileError('empty id is not allowed');
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x2f) throw new ModelFileError('model ID contains invalid character');
  }
}

export function modelFileName(eth: string, port: number, type: string, id: string): string {
  return `${eth}_${port}_${type}_${id}.jubatus`;
}

function crcOf(header: Uint8Array, system: Uint8Array, user: Uint8Array): number {
  let c = crc32(header.subarray(0, 28));
  c = crc32(header.subarray(32, 48), c);
  c = crc32(system, c);
  return crc32(user, c);
}

export interface EncodeArgs {
  type: string;
  id: string;
  config: string;
  timestamp: number;
  userDataVersion: number;
  writeModel(w: MsgWriter): void;
}

export function encodeModelFile(a: EncodeArgs): Uint8Array {
  const sw = new MsgWriter(256);
  sw.arrayHeader(5);
  sw.int(1);
  sw.int(a.timestamp);
  sw.str(a.type);
  sw.str(a.id);
  sw.str(a.config);
  const system = sw.toBytes();
  const uw = new MsgWriter(64 * 1024);
  uw.arrayHeader(2);
  uw.int(a.userDataVersion);
  a.writeModel(uw);
  const user = uw.peek();

  const out = new Uint8Array(HEADER + system.length + user.length);
  const v = new DataView(out.buffer);
  out.set(MAGIC, 0);
  v.setBigUint64(8, 1n);
  v.setUint32(16, JUBATUS_VERSION[0]);
  v.setUint32(20, JUBATUS_VERSION[1]);
  v.setUint32(24, JUBATUS_VERSION[2]);
  v.setBigUint64(32, BigInt(system.length));
  v.setBigUint64(40, BigInt(user.length));
  out.set(system, HEADER);
  out.set(user, HEADER + system.length);
  v.setUint32(28, crcOf(out.subarray(0, HEADER), system, user));
  return out;
}

export interface DecodedModel {
  system: SystemData;
  userDataVersion: number;
  /** The engine-specific model, undecoded beyond msgpack. */
  model: MsgValue;
}

export interface LoadExpectations {
  type: string;
  userDataVersion: number;
  /** The running config, compared JSON-wise; `undefined` skips the check (`--model_file` at start). */
  config: string | undefined;
  /** Stop after the system data (to read a file's config before building the engine). */
  skipUserData?: boolean;
}

/** Parses and checks a model file in Jubatus's order; throws ModelFileError with its messages. */
export function decodeModelFile(bytes: Uint8Array, expect: LoadExpectations): DecodedModel {
  if (bytes.length < HEADER) throw new ModelFileError('cannot read input file');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) throw new ModelFileError('invalid file format');
  const format = v.getBigUint64(8);
  if (format !== 1n) throw new ModelFileError(`invalid format version: ${format}, expected 1`);
  const [major, minor, maint] = [v.getUint32(16), v.getUint32(20), v.getUint32(24)];
  if (major !== 1) throw new ModelFileError(`cannot load model file created before v1.0.0: ${major}.${minor}.${maint}`);
  const sLen = Number(v.getBigUint64(32));
  const uLen = Number(v.getBigUint64(40));
  if (HEADER + sLen + uLen > bytes.length) throw new ModelFileError('cannot read input file');
  const system = bytes.subarray(HEADER, HEADER + sLen);
  const user = bytes.subarray(HEADER + sLen, HEADER + sLen + uLen);
  const stored = v.getUint32(28);
  const actual = crcOf(bytes.subarray(0, HEADER), system, user);
  if (stored !== actual) {
    throw new ModelFileError(`invalid crc32 checksum: ${actual.toString(16)}, expected ${stored.toString(16)}`);
  }

  let sys: SystemData;
  try {
    const s = expectArray(new MsgReader(system).read(), 'system data');
    sys = {
      version: expectNumber(s[0] ?? null, 'version'),
      timestamp: expectNumber(s[1] ?? null, 'timestamp'),
      type: expectString(s[2] ?? null, 'type'),
      id: expectString(s[3] ?? null, 'id'),
      config: expectString(s[4] ?? null, 'config'),
    };
  } catch {
    throw new ModelFileError('system data is broken');
  }
  if (sys.version !== 1) throw new ModelFileError(`invalid system data version: saved version: ${sys.version}, expected 1`);
  if (sys.type !== expect.type) throw new ModelFileError(`server type mismatched: ${sys.type}, expected ${expect.type}`);
  if (expect.config !== undefined && !sameJson(sys.config, expect.config)) {
    throw new ModelFileError(`server config mismatched: ${sys.config}, expected ${expect.config}`);
  }
  if (expect.skipUserData) return { system: sys, userDataVersion: NaN, model: null };
  let container: MsgValue;
  try {
    container = new MsgReader(user).read();
  } catch {
    throw new ModelFileError('user data is broken');
  }
  if (!Array.isArray(container) || container.length !== 2) throw new ModelFileError('invalid user container');
  const udv = container[0];
  if (udv !== expect.userDataVersion) {
    throw new ModelFileError(`user data version mismatched: ${String(udv)}, expected ${expect.userDataVersion}`);
  }
  return { system: sys, userDataVersion: udv, model: container[1]! };
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Configs are equal when they parse to the same JSON (whitespace and key order do not matter). */
export function sameJson(a: string, b: string): boolean {
  try {
    return canonical(JSON.parse(a)) === canonical(JSON.parse(b));
  } catch {
    return a === b;
  }
}
