import { describe, expect, it } from 'vitest';
import { encode, decode } from '@msgpack/msgpack';
import { FrameBuffer, FrameError } from '../../src/rpc/framing.js';

function drain(fb: FrameBuffer): unknown[] {
  const out: unknown[] = [];
  for (let f = fb.next(); f; f = fb.next()) out.push(decode(f));
  return out;
}

describe('FrameBuffer', () => {
  const msgs = [
    [0, 1, 'set_row', ['', 'id', [[], [['x', 1.5]], []]]],
    [0, 2, 'get_status', ['']],
    [0, 3, 'big', ['x'.repeat(70000), { a: [1, 2, { b: null }] }, []]],
    [1, 4, null, {}],
  ];
  const stream = Buffer.concat(msgs.map((m) => Buffer.from(encode(m))));

  it('splits concatenated messages delivered in one chunk', () => {
    const fb = new FrameBuffer();
    fb.push(stream);
    expect(drain(fb)).toEqual(msgs);
    expect(fb.pending).toBe(0);
  });

  it('reassembles messages delivered one byte at a time', () => {
    const fb = new FrameBuffer();
    const out: unknown[] = [];
    for (const b of stream) {
      fb.push(new Uint8Array([b]));
      out.push(...drain(fb));
    }
    expect(out).toEqual(msgs);
  });

  it('keeps earlier frame views valid after the buffer grows', () => {
    const fb = new FrameBuffer();
    fb.push(encode([0, 1, 'a', ['keep']]));
    const first = fb.next()!;
    const copy = Buffer.from(first);
    fb.push(new Uint8Array(200_000).fill(0x90)); // many empty arrays force growth
    drain(fb);
    expect(Buffer.from(first).equals(copy)).toBe(true);
  });

  it('rejects a frame larger than the limit, even before it is complete', () => {
    const fb = new FrameBuffer(1024);
    fb.push(encode([0, 1, 'm', ['x'.repeat(600)]]));
    expect(drain(fb)).toHaveLength(1);
    const big = encode([0, 2, 'm', ['x'.repeat(5000)]]);
    fb.push(big.subarray(0, 20)); // the raw32 header alone announces the size
    expect(() => fb.next()).toThrow(FrameError);
  });

  it('rejects the reserved type byte', () => {
    const fb = new FrameBuffer();
    fb.push(new Uint8Array([0x94, 0xc1]));
    expect(() => fb.next()).toThrow(/0xc1/);
  });
});
