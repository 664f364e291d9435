import { describe, expect, it } from 'vitest';
import { alignedTable, formatResult, toJson } from '../../src/cli/call-output.js';
import { datumFromJson } from '../../src/idl/json-values.js';
import { buildDescriptor, loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { SERVER_BUILTINS } from '../../src/idl/builtins.js';
import { parseIdl } from '../../src/idl/parser.js';
import type { IdlType } from '../../src/idl/types.js';

const nn = loadEngineDescriptor('nearest_neighbor');
const ret = (m: string): IdlType | null => nn.methods.get(m)?.returnType ?? SERVER_BUILTINS.find((b) => b.name === m)!.returnType;
const P = (name: string): IdlType => ({ kind: 'primitive', name } as IdlType);

describe('readable results', () => {
  it('prints list<id_with_score> as an aligned id/score table', () => {
    const lines = formatResult(nn, ret('similar_row_from_id'), [['a', 1], ['longer_id', 0.796875], ['b', 0.5]]);
    expect(lines).toEqual([
      'id         score',
      'a          1',
      'longer_id  0.796875',
      'b          0.5',
    ]);
    expect(formatResult(nn, ret('similar_row_from_id'), [])).toEqual(['(empty)']);
  });

  it('keeps the sign of euclid_lsh\'s -0.0 self score', () => {
    expect(formatResult(nn, ret('similar_row_from_id'), [['a', -0], ['b', -0.025]])).toEqual([
      'id  score',
      'a   -0',
      'b   -0.025',
    ]);
  });

  it('prints scalars as they are and lists of scalars one per line', () => {
    expect(formatResult(nn, ret('set_row'), true)).toEqual(['true']);
    expect(formatResult(nn, ret('get_config'), '{"method": "lsh"}')).toEqual(['{"method": "lsh"}']);
    expect(formatResult(nn, ret('get_all_rows'), ['x', 'y'])).toEqual(['x', 'y']);
    expect(formatResult(nn, null, null)).toEqual([]);
  });

  it('groups status maps by server, keys sorted', () => {
    const status = new Map([['127.0.0.1_9199', new Map([['uptime', '3'], ['PROGNAME', 'jubanearest_neighbor']])]]);
    expect(formatResult(nn, ret('get_status'), status)).toEqual([
      '127.0.0.1_9199:',
      '  PROGNAME: jubanearest_neighbor',
      '  uptime: 3',
    ]);
    expect(formatResult(nn, ret('save'), new Map([['s1', '/tmp/x.jubatus']]))).toEqual(['s1: /tmp/x.jubatus']);
  });

  it('prints messages as field lines and datums as JSON', () => {
    const desc = buildDescriptor(parseIdl('message r { 0: string id 1: list<string> tags }\nservice s {\n#@random #@nolock #@pass\nr f()\n}', 'r.idl'));
    expect(formatResult(desc, { kind: 'user', name: 'r' }, ['a', ['t1', 't2']])).toEqual(['id: a', 'tags:', '  t1', '  t2']);
    expect(formatResult(desc, P('datum'), datumFromJson('d', { x: 1 }))).toEqual(['{"string_values":[],"num_values":[["x",1]],"binary_values":[]}']);
  });

  it('aligns every column but the last', () => {
    expect(alignedTable([['a', 'bb', 'c'], ['ccc', 'd', 'e']])).toEqual(['a    bb  c', 'ccc  d   e']);
  });
});

describe('JSON results', () => {
  it('turns messages into objects keyed by field name', () => {
    expect(toJson(nn, ret('similar_row_from_id'), [['a', 1]])).toEqual([{ id: 'a', score: 1 }]);
  });

  it('turns Maps into objects, bigint into numbers or strings, raw into base64', () => {
    expect(toJson(nn, ret('get_status'), new Map([['s', new Map([['k', 'v']])]]))).toEqual({ s: { k: 'v' } });
    expect(toJson(nn, P('long'), 5n)).toBe(5);
    expect(toJson(nn, P('ulong'), 18446744073709551615n)).toBe('18446744073709551615');
    expect(toJson(nn, P('raw'), new Uint8Array([1, 2, 3]))).toBe('AQID');
    expect(toJson(nn, { kind: 'map', key: P('int'), value: P('raw') }, new Map([[1, new Uint8Array([0])]]))).toEqual({ 1: 'AA==' });
  });

  it('writes NaN and the infinities (anomaly scores) as strings, since JSON has none', () => {
    const scores = toJson(nn, ret('similar_row_from_id'), [['a', Infinity], ['b', NaN], ['c', -Infinity], ['d', 1.5]]);
    expect(JSON.parse(JSON.stringify(scores))).toEqual([
      { id: 'a', score: 'Infinity' }, { id: 'b', score: 'NaN' }, { id: 'c', score: '-Infinity' }, { id: 'd', score: 1.5 },
    ]);
    expect(formatResult(nn, ret('similar_row_from_id'), [['a', Infinity], ['b', NaN]])).toEqual(['id  score', 'a   Infinity', 'b   NaN']);
  });

  it('writes datums in the explicit form that json-values reads back', () => {
    const d = datumFromJson('d', { string_values: [['s', 't']], num_values: [['x', 1.5]], binary_values: [['b', 'AQ==']] });
    const j = toJson(nn, P('datum'), d);
    expect(j).toEqual({ string_values: [['s', 't']], num_values: [['x', 1.5]], binary_values: [['b', 'AQ==']] });
    expect(datumFromJson('again', j)).toEqual(d);
  });
});
