import { describe, expect, it } from 'vitest';
import { decode } from '@msgpack/msgpack';
import { argsFromJson, argsFromWords, datumFromJson, signature, valueFromArg, valueFromJson } from '../../src/idl/json-values.js';
import { ArgumentError, JubaError } from '../../src/errors.js';
import { encodeValue } from '../../src/idl/codec.js';
import { buildDescriptor } from '../../src/idl/descriptor.js';
import { parseIdl } from '../../src/idl/parser.js';
import type { IdlType } from '../../src/idl/types.js';
import { MsgWriter } from '../../src/msgpack/writer.js';

const desc = buildDescriptor(parseIdl(`
enum color { 0: red 1: green 7: blue }
message point { 0: string name 1: double x 2: int? tag }
service s {
  #- Stores a point.
  #@random #@update #@pass
  bool put(0: string id, 1: uint size, 2: datum d, 3: point p)
  #@random #@nolock #@pass
  list<point> all(0: list<long> ids, 1: map<string, double> w, 2: color c, 3: bool flag, 4: float f, 5: raw r, 6: ulong big)
}
`, 'test.idl'));
const P = (name: string): IdlType => ({ kind: 'primitive', name } as IdlType);
const put = desc.methods.get('put')!;
const all = desc.methods.get('all')!;

function caught(fn: () => unknown): JubaError {
  try {
    fn();
  } catch (e) {
    return e as JubaError;
  }
  throw new Error('expected an error');
}

function wire(t: IdlType, v: unknown): unknown {
  const w = new MsgWriter();
  encodeValue(desc, t, v, w);
  return decode(w.toBytes());
}

describe('valueFromArg: one shell word per primitive', () => {
  it('parses integers by range, and long/ulong beyond 2^53 as bigint', () => {
    expect(valueFromArg(desc, P('uint'), '5', 'a')).toBe(5);
    expect(valueFromArg(desc, P('int'), '-7', 'a')).toBe(-7);
    expect(valueFromArg(desc, P('ubyte'), '255', 'a')).toBe(255);
    expect(valueFromArg(desc, P('long'), '-9007199254740993', 'a')).toBe(-9007199254740993n);
    expect(valueFromArg(desc, P('ulong'), '18446744073709551615', 'a')).toBe(18446744073709551615n);
    expect(valueFromArg(desc, P('long'), '9007199254740992', 'a')).toBe(9007199254740992);
    expect(() => valueFromArg(desc, P('uint'), '-1', "argument 2 'size' of f")).toThrow(`argument 2 'size' of f must be uint, 0..4294967295 (got "-1")`);
    expect(() => valueFromArg(desc, P('ubyte'), '256', 'b')).toThrow('b must be ubyte, 0..255 (got "256")');
    expect(() => valueFromArg(desc, P('short'), '1.5', 's')).toThrow('s must be short, an integer (got "1.5")');
    expect(() => valueFromArg(desc, P('int'), 'ten', 'i')).toThrow('i must be int, an integer (got "ten")');
    expect(() => valueFromArg(desc, P('ulong'), '18446744073709551616', 'u')).toThrow(/u must be ulong, 0\.\.18446744073709551615/);
  });

  it('parses floats, bools, strings and base64 raw', () => {
    expect(valueFromArg(desc, P('double'), '1.5e3', 'x')).toBe(1500);
    expect(valueFromArg(desc, P('float'), '-0.25', 'x')).toBe(-0.25);
    expect(() => valueFromArg(desc, P('double'), 'abc', 'x')).toThrow('x must be double, a number (got "abc")');
    expect(() => valueFromArg(desc, P('double'), '', 'x')).toThrow('x must be double, a number (got "")');
    expect(valueFromArg(desc, P('bool'), 'true', 'b')).toBe(true);
    expect(valueFromArg(desc, P('bool'), 'false', 'b')).toBe(false);
    expect(() => valueFromArg(desc, P('bool'), 'yes', 'b')).toThrow('b must be bool, true or false (got "yes")');
    expect(valueFromArg(desc, P('string'), '{"not": "json"}', 's')).toBe('{"not": "json"}');
    expect([...(valueFromArg(desc, P('raw'), 'AQID', 'r') as Uint8Array)]).toEqual([1, 2, 3]);
    expect(() => valueFromArg(desc, P('raw'), 'not base64!', 'r')).toThrow('r must be raw as base64 (got "not base64!")');
  });

  it('takes null for nullable types, enums by name or number', () => {
    expect(valueFromArg(desc, { kind: 'nullable', inner: P('int') }, 'null', 'n')).toBeNull();
    expect(valueFromArg(desc, { kind: 'nullable', inner: P('int') }, '3', 'n')).toBe(3);
    expect(valueFromArg(desc, { kind: 'user', name: 'color' }, 'blue', 'c')).toBe(7);
    expect(valueFromArg(desc, { kind: 'user', name: 'color' }, '1', 'c')).toBe(1);
    expect(() => valueFromArg(desc, { kind: 'user', name: 'color' }, 'pink', 'c')).toThrow('c must be color, one of red, green, blue (got "pink")');
  });

  it('reads datums, structs, lists and maps as JSON and says when the JSON is broken', () => {
    expect(valueFromArg(desc, { kind: 'list', elem: P('int') }, '[1, 2]', 'l')).toEqual([1, 2]);
    expect(valueFromArg(desc, { kind: 'map', key: P('string'), value: P('double') }, '{"a": 1}', 'm')).toEqual(new Map([['a', 1]]));
    expect(() => valueFromArg(desc, P('datum'), '{x', 'd')).toThrow(/^d must be datum written as JSON \(got "\{x": /);
  });
});

describe('datums from JSON', () => {
  it('reads the friendly form: numbers are num_values, strings string_values', () => {
    expect(datumFromJson('d', { x: 1.5, name: 'abc', y: 2 })).toEqual({
      stringValues: [['name', 'abc']], numValues: [['x', 1.5], ['y', 2]], binaryValues: [],
    });
    expect(() => datumFromJson('d', { x: true })).toThrow("d: x must be a number or a string (got true)");
    expect(() => datumFromJson('d', 'x=1')).toThrow(/^d must be datum as a JSON object like/);
  });

  it('reads the explicit form with base64 binary values, and the wire array form', () => {
    const d = datumFromJson('d', { string_values: [['k', 'v']], num_values: [['n', 2]], binary_values: [['b', 'AAE=']] });
    expect(d.stringValues).toEqual([['k', 'v']]);
    expect(d.numValues).toEqual([['n', 2]]);
    expect(d.binaryValues.map(([k, b]) => [k, [...b]])).toEqual([['b', [0, 1]]]);
    expect(datumFromJson('d', { num_values: [['n', 1]] })).toEqual({ stringValues: [], numValues: [['n', 1]], binaryValues: [] });
    expect(datumFromJson('d', [[['k', 'v']], []])).toEqual({ stringValues: [['k', 'v']], numValues: [], binaryValues: [] });
    expect(() => datumFromJson('d', { num_values: [['n', 'one']] })).toThrow('d: num_values[0] value must be double, a number (got "one")');
    expect(() => datumFromJson('d', { string_values: [['k']] })).toThrow('d: string_values[0] must be a [key, value] pair (got ["k"])');
    expect(() => datumFromJson('d', { binary_values: [['b', '%%']] })).toThrow('d: binary_values[0] value must be raw as base64 (got "%%")');
  });

  it('encodes like any datum: num values as float64', () => {
    expect(wire(P('datum'), datumFromJson('d', { x: 1, s: 't' }))).toEqual([[['s', 't']], [['x', 1]], []]);
  });
});

describe('valueFromJson: structures', () => {
  const point: IdlType = { kind: 'user', name: 'point' };

  it('reads a message as an array in field order or an object by field name', () => {
    expect(valueFromJson(desc, point, ['a', 1.5, 3], 'p')).toEqual(['a', 1.5, 3]);
    expect(valueFromJson(desc, point, { x: 2, name: 'b' }, 'p')).toEqual(['b', 2, null]);
    expect(() => valueFromJson(desc, point, { name: 'b' }, 'p')).toThrow('p: x (double) is missing');
    expect(() => valueFromJson(desc, point, { name: 'b', x: 1, z: 0 }, 'p')).toThrow("p has no field 'z': point has string name, double x, int? tag");
    expect(() => valueFromJson(desc, point, ['a'], 'p')).toThrow('p must be point, a JSON array [string name, double x, int? tag] (got ["a"])');
    expect(() => valueFromJson(desc, point, { name: 'b', x: 'far' }, 'p')).toThrow('p: x must be double, a number (got "far")');
  });

  it('names the part inside a nested value that fails', () => {
    const nested: IdlType = { kind: 'list', elem: { kind: 'user', name: 'point' } };
    expect(() => valueFromJson(desc, nested, [['a', 1, null], ['b', 1, 'x']], "argument 1 'ps' of f"))
      .toThrow(`argument 1 'ps' of f: [1].tag must be int, an integer (got "x")`);
    expect(() => valueFromJson(desc, { kind: 'list', elem: P('datum') }, [{ x: 1 }, { num_values: [['y', 'z']] }], 'ds'))
      .toThrow('ds: [1].num_values[0] value must be double, a number (got "z")');
  });

  it('reads lists and maps element by element, naming the element that fails', () => {
    const longs: IdlType = { kind: 'list', elem: P('long') };
    expect(valueFromJson(desc, longs, [1, '9007199254740993'], 'ids')).toEqual([1, 9007199254740993n]);
    expect(() => valueFromJson(desc, longs, [1, 2.5], 'ids')).toThrow('ids: [1] must be long, an integer (got 2.5)');
    expect(() => valueFromJson(desc, longs, 'x', 'ids')).toThrow('ids must be list<long>, a JSON array (got "x")');
    const m: IdlType = { kind: 'map', key: P('int'), value: P('string') };
    expect(valueFromJson(desc, m, { 1: 'a', 2: 'b' }, 'm')).toEqual(new Map([[1, 'a'], [2, 'b']]));
    expect(valueFromJson(desc, m, [[3, 'c']], 'm')).toEqual(new Map([[3, 'c']]));
    expect(() => valueFromJson(desc, m, { x: 'a' }, 'm')).toThrow('m: ["x"] key must be int, an integer (got "x")');
    expect(() => valueFromJson(desc, m, { 1: 5 }, 'm')).toThrow('m: ["1"] must be string (got 5)');
  });

  it('passes object values through and nulls nullable ones', () => {
    expect(valueFromJson(desc, P('object'), { a: [1] }, 'o')).toEqual({ a: [1] });
    expect(valueFromJson(desc, { kind: 'nullable', inner: point }, null, 'p')).toBeNull();
  });
});

describe('arguments of a method', () => {
  it('types every shell word by its parameter, encodable as the IDL says', () => {
    const args = argsFromWords(desc, put, ['k', '3', '{"x": 1}', '{"name": "n", "x": 0.5}']);
    expect(args).toEqual(['k', 3, { stringValues: [], numValues: [['x', 1]], binaryValues: [] }, ['n', 0.5, null]]);
    const w = new MsgWriter();
    put.params.forEach((p, i) => encodeValue(desc, p.type, args[i], w));
    expect(w.toBytes().length).toBeGreaterThan(0);
  });

  it('names the parameter, its type and the signature when an argument is wrong', () => {
    const err = caught(() => argsFromWords(desc, put, ['k', '-1', '{}', '["n", 1, null]']));
    expect(err).toBeInstanceOf(JubaError);
    expect(err).not.toBeInstanceOf(ArgumentError);
    expect((err as JubaError).message).toBe(`argument 2 'size' of put must be uint, 0..4294967295 (got "-1")`);
    expect((err as JubaError).code).toBe('usage');
    expect((err as JubaError).hint).toContain('put(string id, uint size, datum d, point p) -> bool');
  });

  it('names the signature when the count is wrong', () => {
    expect(() => argsFromWords(desc, put, ['k'])).toThrow('put takes 4 argument(s), got 1');
    expect(caught(() => argsFromWords(desc, put, [])).hint).toMatch(/^put\(string id, uint size, datum d, point p\) -> bool/);
  });

  it('takes a JSON array with one element per parameter', () => {
    const args = argsFromJson(desc, all, [[1], { a: 2 }, 'green', true, 0.5, 'AA==', 5]);
    expect(args).toEqual([[1], new Map([['a', 2]]), 1, true, 0.5, new Uint8Array([0]), 5]);
    expect(() => argsFromJson(desc, all, [[1]])).toThrow(/^all takes 7 argument\(s\) as a JSON array, got \[\[1\]\]/);
    expect(() => argsFromJson(desc, all, [[1], {}, 'red', 'yes', 0, '', 0])).toThrow("argument 4 'flag' of all must be bool, true or false (got \"yes\")");
  });

  it('writes signatures with IDL type names', () => {
    expect(signature(all)).toBe('all(list<long> ids, map<string, double> w, color c, bool flag, float f, raw r, ulong big) -> list<point>');
  });
});
