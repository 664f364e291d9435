import { describe, expect, it } from 'vitest';
import { decode, encode } from '@msgpack/msgpack';
import { decodeValue, encodeValue, type TypeScope } from '../../src/idl/codec.js';
import type { IdlType } from '../../src/idl/types.js';
import { MsgReader } from '../../src/msgpack/reader.js';
import { MsgWriter } from '../../src/msgpack/writer.js';
import { ArgumentError } from '../../src/errors.js';

const P = (name: string): IdlType => ({ kind: 'primitive', name } as IdlType);
const scope: TypeScope = {
  enums: new Map([['color', { name: 'color', values: [{ value: 0, name: 'red' }] }]]),
  messages: new Map([
    ['id_with_score', { name: 'id_with_score', fields: [{ id: 0, name: 'id', type: P('string') }, { id: 1, name: 'score', type: P('double') }] }],
  ]),
};
const user: IdlType = { kind: 'user', name: 'id_with_score' };

function wire(v: unknown): ReturnType<MsgReader['read']> {
  return new MsgReader(encode(v)).read();
}
function enc(t: IdlType, v: unknown): Uint8Array {
  const w = new MsgWriter();
  encodeValue(scope, t, v, w);
  return w.toBytes();
}

describe('decodeValue (msgpack-c 0.5.9 leniency)', () => {
  it('accepts integers where a double is declared, not floats where an int is', () => {
    expect(decodeValue(scope, P('double'), wire(3), 'x')).toBe(3);
    expect(() => decodeValue(scope, P('uint'), wire(1.5), 'size')).toThrow(ArgumentError);
    expect(() => decodeValue(scope, P('uint'), wire(-1), 'size')).toThrow(/size: expected uint, got integer/);
    expect(() => decodeValue(scope, P('ubyte'), wire(256), 'b')).toThrow(ArgumentError);
    expect(decodeValue(scope, P('int'), wire(-5), 'i')).toBe(-5);
  });

  it('turns raw into string for string and copies bytes for raw', () => {
    expect(decodeValue(scope, P('string'), wire('héllo'), 's')).toBe('héllo');
    const raw = decodeValue(scope, P('raw'), wire(new Uint8Array([9, 8])), 'r') as Uint8Array;
    expect([...raw]).toEqual([9, 8]);
    expect(() => decodeValue(scope, P('string'), wire(5), 'id')).toThrow(/id: expected string, got integer/);
  });

  it('decodes a datum, including the 2-element form of older clients', () => {
    const d = decodeValue(scope, P('datum'), wire([[['name', 'bob']], [['x', 1], ['y', 2.5]], [['b', new Uint8Array([1])]]]), 'd');
    expect(d).toEqual({ stringValues: [['name', 'bob']], numValues: [['x', 1], ['y', 2.5]], binaryValues: [['b', new Uint8Array([1])]] });
    const old = decodeValue(scope, P('datum'), wire([[], [['x', 1]]]), 'd');
    expect(old).toEqual({ stringValues: [], numValues: [['x', 1]], binaryValues: [] });
    expect(() => decodeValue(scope, P('datum'), wire({ x: 1 }), 'd')).toThrow(ArgumentError);
    expect(() => decodeValue(scope, P('datum'), wire([[], [['x', 'one']]]), 'd')).toThrow(/num_values/);
  });

  it('fills missing trailing message fields with defaults and drops extra ones', () => {
    expect(decodeValue(scope, user, wire(['a']), 'm')).toEqual(['a', 0]);
    expect(decodeValue(scope, user, wire(['a', 1, 'extra']), 'm')).toEqual(['a', 1]);
    expect(() => decodeValue(scope, user, wire('a'), 'm')).toThrow(ArgumentError);
  });

  it('decodes lists, maps and nullables by their element types', () => {
    const t: IdlType = { kind: 'map', key: P('string'), value: { kind: 'list', elem: P('int') } };
    expect(decodeValue(scope, t, wire({ a: [1, 2] }), 'm')).toEqual(new Map([['a', [1, 2]]]));
    expect(decodeValue(scope, { kind: 'nullable', inner: P('int') }, wire(null), 'n')).toBeNull();
    expect(decodeValue(scope, { kind: 'user', name: 'color' }, wire(0), 'c')).toBe(0);
  });
});

describe('encodeValue', () => {
  it('writes double as float64 even when integral, float as float32', () => {
    expect(enc(P('double'), 1)[0]).toBe(0xcb);
    expect(enc(P('float'), 1)[0]).toBe(0xca);
    expect(enc(P('uint'), 7)[0]).toBe(7);
  });

  it('writes messages as arrays in field order', () => {
    const b = enc({ kind: 'list', elem: user }, [['a', 0.5], ['b', -0]]);
    expect(decode(b)).toEqual([['a', 0.5], ['b', -0]]);
    expect(Object.is((decode(b) as [string, number][])[1]![1], -0)).toBe(true);
  });

  it('writes maps from Map or plain objects, and datums in the 3-list form', () => {
    const t: IdlType = { kind: 'map', key: P('string'), value: P('string') };
    expect(decode(enc(t, new Map([['k', 'v']])))).toEqual({ k: 'v' });
    expect(decode(enc(t, { k: 'v' }))).toEqual({ k: 'v' });
    const d = { stringValues: [['s', 't']], numValues: [['x', 2]], binaryValues: [] };
    const bytes = enc(P('datum'), d);
    expect(decode(bytes)).toEqual([[['s', 't']], [['x', 2]], []]);
    expect(bytes.includes(0xcb)).toBe(true); // the 2 went as float64
  });
});
