import { describe, expect, it } from 'vitest';
import { decode, encode } from '@msgpack/msgpack';
import { MsgWriter } from '../../src/msgpack/writer.js';
import { MsgMap, MsgReader, bytesToString, decodeOne } from '../../src/msgpack/reader.js';

function written(fn: (w: MsgWriter) => void): Uint8Array {
  const w = new MsgWriter(4);
  fn(w);
  return w.toBytes();
}

describe('MsgWriter (old-spec dialect)', () => {
  it('writes strings as fixraw / raw16 / raw32, never str8 or bin', () => {
    expect(written((w) => w.str('abc'))[0]).toBe(0xa3);
    const s40 = 'x'.repeat(40);
    const b40 = written((w) => w.str(s40));
    expect([...b40.subarray(0, 3)]).toEqual([0xda, 0x00, 40]);
    const big = written((w) => w.str('y'.repeat(70000)));
    expect(big[0]).toBe(0xdb);
    const bytes = written((w) => w.raw(new Uint8Array(200)));
    expect([...bytes.subarray(0, 3)]).toEqual([0xda, 0x00, 200]);
  });

  it('encodes UTF-8 strings with their byte length', () => {
    const b = written((w) => w.str('é'));
    expect([...b]).toEqual([0xa2, 0xc3, 0xa9]);
    expect(decode(written((w) => w.str('日本語のキー'.repeat(10))))).toBe('日本語のキー'.repeat(10));
  });

  it('picks the smallest integer form and keeps float32/float64 as asked', () => {
    expect([...written((w) => w.int(5))]).toEqual([5]);
    expect([...written((w) => w.int(-1))]).toEqual([0xff]);
    expect([...written((w) => w.int(200))]).toEqual([0xcc, 200]);
    expect([...written((w) => w.int(-200))]).toEqual([0xd1, 0xff, 0x38]);
    expect(written((w) => w.int(2 ** 40))[0]).toBe(0xcf);
    expect(written((w) => w.int(0xfedcba9876543210n))[0]).toBe(0xcf);
    expect([...written((w) => w.float64(1))]).toEqual([0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
    expect(written((w) => w.float32(1.5))[0]).toBe(0xca);
  });

  it('produces values another msgpack implementation reads back', () => {
    const b = written((w) => {
      w.arrayHeader(4);
      w.int(1);
      w.str('k');
      w.mapHeader(1);
      w.str('a');
      w.float64(0.25);
      w.bool(true);
    });
    expect(decode(b)).toEqual([1, 'k', { a: 0.25 }, true]);
  });

  it('grows its buffer across many writes', () => {
    const w = new MsgWriter(1);
    w.arrayHeader(1000);
    for (let i = 0; i < 1000; i++) w.str(`id-${i}`);
    expect((decode(w.toBytes()) as string[])[999]).toBe('id-999');
  });
});

describe('MsgReader (both dialects)', () => {
  it('reads str8, str, bin and old raw all as bytes', () => {
    const str8 = encode('z'.repeat(40)); // @msgpack/msgpack writes str8 (0xd9)
    expect(str8[0]).toBe(0xd9);
    expect(bytesToString(decodeOne(str8) as Uint8Array)).toBe('z'.repeat(40));
    const bin = encode(new Uint8Array([1, 2, 3]));
    expect([...(decodeOne(bin) as Uint8Array)]).toEqual([1, 2, 3]);
  });

  it('returns maps as MsgMap and large 64-bit integers as bigint', () => {
    const v = decodeOne(encode({ a: 1 }));
    expect(v).toBeInstanceOf(MsgMap);
    expect(bytesToString((v as MsgMap).entries[0]![0] as Uint8Array)).toBe('a');
    const big = written((w) => w.int(0xfedcba9876543210n));
    expect(decodeOne(big)).toBe(0xfedcba9876543210n);
    expect(decodeOne(written((w) => w.int(2 ** 40)))).toBe(2 ** 40);
  });

  it('rejects truncated data and the reserved byte', () => {
    expect(() => new MsgReader(new Uint8Array([0x93, 1, 2])).read()).toThrow(/truncated/);
    expect(() => decodeOne(new Uint8Array([0xc1]))).toThrow(/0xc1/);
    expect(() => decodeOne(new Uint8Array([1, 2]))).toThrow(/trailing/);
  });
});
