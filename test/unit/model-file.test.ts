import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decode } from '@msgpack/msgpack';
import {
  checkModelId, decodeModelFile, encodeModelFile, modelFileName, sameJson,
} from '../../src/server/model-file.js';
import { MsgWriter } from '../../src/msgpack/writer.js';

const CONFIG = '{"method": "lsh", "parameter": {"hash_num": 64}, "converter": {}}';
const base = { type: 'nearest_neighbor', id: 'm1', config: CONFIG, timestamp: 1700000000, userDataVersion: 1 };

function file(writeModel: (w: MsgWriter) => void = (w) => w.str('model'), over: Partial<typeof base> = {}): Uint8Array {
  return encodeModelFile({ ...base, ...over, writeModel });
}
const expect_ = { type: 'nearest_neighbor', userDataVersion: 1, config: CONFIG };

/** Rewrites the CRC after tampering, so later checks are reached. */
function fixCrc(b: Uint8Array): Uint8Array {
  const v = new DataView(b.buffer, b.byteOffset);
  let c = crc32(b.subarray(0, 28));
  c = crc32(b.subarray(32), c);
  v.setUint32(28, c);
  return b;
}

function withSystem(sys: unknown[]): Uint8Array {
  const w = new MsgWriter();
  w.arrayHeader(sys.length);
  for (const x of sys) typeof x === 'number' ? w.int(x) : w.str(String(x));
  const s = w.toBytes();
  const orig = file();
  const v = new DataView(orig.buffer);
  const oldS = Number(v.getBigUint64(32));
  const user = orig.subarray(48 + oldS);
  const out = new Uint8Array(48 + s.length + user.length);
  out.set(orig.subarray(0, 48));
  new DataView(out.buffer).setBigUint64(32, BigInt(s.length));
  out.set(s, 48);
  out.set(user, 48 + s.length);
  return fixCrc(out);
}

describe('model file layout', () => {
  it('writes the 48-byte big-endian header, system data and user data', () => {
    const b = file();
    const v = new DataView(b.buffer);
    expect(Buffer.from(b.subarray(0, 8)).toString('latin1')).toBe('jubatus\0');
    expect(v.getBigUint64(8)).toBe(1n);
    expect([v.getUint32(16), v.getUint32(20), v.getUint32(24)]).toEqual([1, 1, 1]);
    const s = Number(v.getBigUint64(32));
    const u = Number(v.getBigUint64(40));
    expect(48 + s + u).toBe(b.length);
    expect(decode(b.subarray(48, 48 + s))).toEqual([1, 1700000000, 'nearest_neighbor', 'm1', CONFIG]);
    expect(decode(b.subarray(48 + s))).toEqual([1, 'model']);
    let c = crc32(b.subarray(0, 28));
    c = crc32(b.subarray(32), c);
    expect(v.getUint32(28)).toBe(c);
    expect(crc32('jubatus')).toBe(0x41918955);
  });

  it('names files <eth>_<port>_<type>_<id>.jubatus', () => {
    expect(modelFileName('10.0.0.5', 9199, 'classifier', 'model1')).toBe('10.0.0.5_9199_classifier_model1.jubatus');
  });

  it('round-trips', () => {
    const d = decodeModelFile(file(), expect_);
    expect(d.system).toEqual({ version: 1, timestamp: 1700000000, type: 'nearest_neighbor', id: 'm1', config: CONFIG });
    expect(Buffer.from(d.model as Uint8Array).toString()).toBe('model');
  });
});

describe('model ids', () => {
  it('rejects empty ids and characters outside printable ASCII or /', () => {
    expect(() => checkModelId('')).toThrow('empty id is not allowed');
    expect(() => checkModelId('a/b')).toThrow('model ID contains invalid character');
    expect(() => checkModelId('a\nb')).toThrow('model ID contains invalid character');
    expect(() => checkModelId('é')).toThrow('model ID contains invalid character');
    expect(() => checkModelId('ok id_1.~')).not.toThrow();
  });
});

describe('load checks, in order, with Jubatus messages', () => {
  const cases: Array<[string, () => Uint8Array, string | RegExp, typeof expect_?]> = [
    ['short file', () => file().subarray(0, 20), 'cannot read input file'],
    ['truncated data', () => file().subarray(0, 60), 'cannot read input file'],
    ['magic', () => { const b = file(); b[0] = 0x4a; return b; }, 'invalid file format'],
    ['format version', () => { const b = file(); new DataView(b.buffer).setBigUint64(8, 2n); return b; }, 'invalid format version: 2, expected 1'],
    ['major version', () => { const b = file(); new DataView(b.buffer).setUint32(16, 0); return b; }, 'cannot load model file created before v1.0.0: 0.1.1'],
    ['crc', () => { const b = file(); b[b.length - 1] ^= 1; return b; }, /^invalid crc32 checksum: [0-9a-f]+, expected [0-9a-f]+$/],
    ['system data', () => withSystem([]), 'system data is broken'],
    ['system version', () => withSystem([2, 1, 'nearest_neighbor', 'm1', CONFIG]), 'invalid system data version: saved version: 2, expected 1'],
    ['type', () => withSystem([1, 1, 'classifier', 'm1', CONFIG]), 'server type mismatched: classifier, expected nearest_neighbor'],
    ['config', () => withSystem([1, 1, 'nearest_neighbor', 'm1', '{"method":"minhash"}']), `server config mismatched: {"method":"minhash"}, expected ${CONFIG}`],
    ['user container', () => file((w) => w.str('x')).slice(), 'invalid user container'],
    ['user data version', () => file(undefined, { userDataVersion: 7 }), 'user data version mismatched: 7, expected 1'],
  ];
  for (const [what, make, msg] of cases) {
    it(what, () => {
      let bytes = make();
      if (what === 'user container') {
        // Replace the user data with a bare string (not a 2-array).
        const v = new DataView(bytes.buffer);
        const s = Number(v.getBigUint64(32));
        const out = new Uint8Array(48 + s + 2);
        out.set(bytes.subarray(0, 48 + s));
        out.set([0xa1, 0x78], 48 + s);
        new DataView(out.buffer).setBigUint64(40, 2n);
        bytes = fixCrc(out);
      }
      expect(() => decodeModelFile(bytes, expect_)).toThrow(msg);
    });
  }

  it('skips the config check when none is expected (--model_file)', () => {
    const b = withSystem([1, 1, 'nearest_neighbor', 'm1', '{"method":"minhash"}']);
    expect(decodeModelFile(b, { ...expect_, config: undefined }).system.config).toBe('{"method":"minhash"}');
  });

  it('compares configs as JSON, ignoring whitespace and key order', () => {
    expect(sameJson('{"a":1,"b":[1,2]}', '{ "b": [1, 2],\n "a": 1 }')).toBe(true);
    expect(sameJson('{"a":1}', '{"a":2}')).toBe(false);
  });
});
