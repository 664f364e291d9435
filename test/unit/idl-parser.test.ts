import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JubaError } from '../../src/errors.js';
import {
  buildDescriptor, engineIdlPath, loadEngineDescriptor, packageRoot, resolveType,
} from '../../src/idl/descriptor.js';
import { IdlError, loadIdl, parseIdl } from '../../src/idl/parser.js';
import type { IdlType, MethodDecl } from '../../src/idl/types.js';

const P = (name: string): IdlType => ({ kind: 'primitive', name } as IdlType);
const U = (name: string): IdlType => ({ kind: 'user', name });
const str = P('string');

/** The IdlError that parsing `text` (as file `t.idl`) raises. */
function idlError(text: string): IdlError {
  try {
    parseIdl(text, 't.idl');
  } catch (err) {
    expect(err).toBeInstanceOf(IdlError);
    return err as IdlError;
  }
  throw new Error('expected an IdlError');
}

/** A one-method service around `method`, so error positions are easy to count (line 2). */
const svc = (method: string, prefix = ''): string => `${prefix}service s {\n${method}\n}\n`;

describe('nearest_neighbor.idl', () => {
  const desc = loadEngineDescriptor('nearest_neighbor');
  const m = (name: string): MethodDecl => {
    const found = desc.methods.get(name);
    if (!found) throw new Error(`no method ${name}`);
    return found;
  };
  const idWithScore: IdlType = { kind: 'list', elem: U('id_with_score') };

  it('lists exactly the seven IDL methods, in order, without the built-ins', () => {
    expect(desc.name).toBe('nearest_neighbor');
    expect([...desc.methods.keys()]).toEqual([
      'clear', 'set_row', 'neighbor_row_from_id', 'neighbor_row_from_datum',
      'similar_row_from_id', 'similar_row_from_datum', 'get_all_rows',
    ]);
    expect(desc.useCht).toBe(true);
  });

  it('declares id_with_score as [string id, double score]', () => {
    expect(desc.messages.get('id_with_score')).toEqual({
      name: 'id_with_score',
      fields: [{ id: 0, name: 'id', type: str }, { id: 1, name: 'score', type: P('double') }],
    });
    expect(desc.enums.size).toBe(0);
  });

  it('routes, locks and aggregates each method as Jubatus 1.1.1 does', () => {
    expect(m('clear')).toMatchObject({
      returnType: P('bool'), params: [], routing: { kind: 'broadcast' }, lock: 'update', aggregator: 'all_and',
    });
    expect(m('set_row')).toMatchObject({
      returnType: P('bool'),
      params: [{ id: 0, name: 'id', type: str }, { id: 1, name: 'd', type: P('datum') }],
      routing: { kind: 'cht', n: 1 }, lock: 'update', aggregator: 'pass',
    });
    const random = { routing: { kind: 'random' }, lock: 'nolock', aggregator: 'pass' };
    expect(m('neighbor_row_from_id')).toMatchObject({
      ...random, returnType: idWithScore, params: [{ name: 'id', type: str }, { name: 'size', type: P('uint') }],
    });
    expect(m('neighbor_row_from_datum')).toMatchObject({
      ...random, returnType: idWithScore, params: [{ name: 'query', type: P('datum') }, { name: 'size', type: P('uint') }],
    });
    expect(m('similar_row_from_id')).toMatchObject({
      ...random, returnType: idWithScore, params: [{ name: 'id', type: str }, { name: 'ret_num', type: P('uint') }],
    });
    expect(m('similar_row_from_datum')).toMatchObject({
      ...random, returnType: idWithScore, params: [{ name: 'query', type: P('datum') }, { name: 'ret_num', type: P('uint') }],
    });
    expect(m('get_all_rows')).toMatchObject({ ...random, returnType: { kind: 'list', elem: str }, params: [] });
  });

  it('carries our doc comments and source positions', () => {
    for (const method of desc.methods.values()) {
      expect(method.doc.length).toBeGreaterThan(0);
      expect(method.line).toBeGreaterThan(0);
    }
    expect(m('get_all_rows').doc).toEqual(['The ids of every stored row.']);
  });

  it('is parsed once per process and resolved from the package root', () => {
    expect(loadEngineDescriptor('nearest_neighbor')).toBe(desc);
    expect(engineIdlPath('nearest_neighbor')).toBe(join(packageRoot(), 'idl', 'nearest_neighbor.idl'));
  });

  it('refuses unknown engines and names that are not identifiers', () => {
    expect(() => loadEngineDescriptor('no_such_engine')).toThrow(/unknown engine 'no_such_engine'/);
    try { loadEngineDescriptor('no_such_engine'); } catch (err) { expect((err as JubaError).code).toBe('not_found'); }
    expect(() => loadEngineDescriptor('../package')).toThrow(/invalid engine name/);
  });
});

describe('grammar round trips', () => {
  it('parses enums, messages with a C++ override, exceptions with a parent', () => {
    const idl = parseIdl(
      'enum color { 0: red 1: green 7: deep_blue }\n' +
        'message point ("std::pair<int,int>") { 0: int x 1: int y }\n' +
        'exception base_error { 0: string msg }\n' +
        'exception bad_key < base_error { 0: string key }\n',
      'r.idl',
    );
    expect(idl.file).toBe('r.idl');
    expect(idl.enums).toEqual([{ name: 'color', values: [{ value: 0, name: 'red' }, { value: 1, name: 'green' }, { value: 7, name: 'deep_blue' }] }]);
    expect(idl.messages).toEqual([{
      name: 'point', typeOverride: 'std::pair<int,int>',
      fields: [{ id: 0, name: 'x', type: P('int') }, { id: 1, name: 'y', type: P('int') }],
    }]);
    expect(idl.exceptions).toEqual([
      { name: 'base_error', fields: [{ id: 0, name: 'msg', type: str }] },
      { name: 'bad_key', parent: 'base_error', fields: [{ id: 0, name: 'key', type: str }] },
    ]);
    // Exceptions travel as structs, parent fields first.
    const desc = buildDescriptor({ ...idl, services: [{ name: 'x', methods: [] }] });
    expect(desc.messages.get('bad_key')?.fields.map((f) => f.name)).toEqual(['msg', 'key']);
  });

  it('parses every primitive, nested list/map and nullable types', () => {
    const prims = ['object', 'bool', 'byte', 'short', 'int', 'long', 'ubyte', 'ushort', 'uint', 'ulong', 'float', 'double', 'raw', 'string', 'datum'];
    const fields = prims.map((p, i) => `${i}: ${p} f${i}`).join('\n');
    const idl = parseIdl(
      `message all {\n${fields}\n}\n` +
        'message nest { 0: map<string, list<map<int,double?>>> a 1: list<list<all>>? b 2: all? c }',
      'n.idl',
    );
    expect(idl.messages[0]!.fields.map((f) => f.type)).toEqual(prims.map(P));
    expect(idl.messages[1]!.fields.map((f) => f.type)).toEqual([
      { kind: 'map', key: str, value: { kind: 'list', elem: { kind: 'map', key: P('int'), value: { kind: 'nullable', inner: P('double') } } } },
      { kind: 'nullable', inner: { kind: 'list', elem: { kind: 'list', elem: U('all') } } },
      { kind: 'nullable', inner: U('all') },
    ]);
  });

  it('parses methods: every routing, lock and aggregator, void internals, default pass', () => {
    const idl = parseIdl(svc(
      '#@random #@analysis #@pass\nmap<string,int> a()\n' +
        '#@broadcast #@update #@all_or\nbool b(0: int x, 1: list<string> y)\n' +
        '#@cht #@nolock #@concat\nlist<int> c(0: string k)\n' +
        '#@cht(0) #@update #@merge\nmap<string, string> d(0: string k)\n' +
        '#@broadcast #@analysis #@add\nulong e()\n' +
        '#@internal #@update\nvoid f(0: string k)\n' +
        '#@internal #@nolock #@pass\nbool g()',
    ), 'm.idl');
    const got = idl.services[0]!.methods.map((m) => [m.name, m.routing, m.lock, m.aggregator]);
    expect(got).toEqual([
      ['a', { kind: 'random' }, 'analysis', 'pass'],
      ['b', { kind: 'broadcast' }, 'update', 'all_or'],
      ['c', { kind: 'cht', n: 2 }, 'nolock', 'concat'],
      ['d', { kind: 'cht', n: 0 }, 'update', 'merge'],
      ['e', { kind: 'broadcast' }, 'analysis', 'add'],
      ['f', { kind: 'internal' }, 'update', 'pass'],
      ['g', { kind: 'internal' }, 'nolock', 'pass'],
    ]);
    const f = idl.services[0]!.methods[5]!;
    expect(f.returnType).toBeNull();
    expect(idl.services[0]!.methods[1]!.params).toEqual([
      { id: 0, name: 'x', type: P('int') }, { id: 1, name: 'y', type: { kind: 'list', elem: str } },
    ]);
    expect([f.line, f.col]).toEqual([13, 6]);
  });

  it('attaches only the #- lines directly above a method, without the marker and one space', () => {
    const idl = parseIdl(svc(
      '#- orphaned by the blank line\n\n' +
        '#-  two spaces keep one\n#-no space\n#@random #@nolock #@pass\nbool a()\n' +
        '#- broken by a plain comment\n# plain\n#@random #@nolock #@pass\nbool b()\n' +
        '#@random #@nolock #@pass #- trailing, not a doc\nbool c()\n' +
        '#- on the decorator line above\n#@random\n#@nolock\n#@pass\nbool d()\r\n',
    ), 'd.idl');
    expect(idl.services[0]!.methods.map((m) => m.doc)).toEqual([
      [' two spaces keep one', 'no space'], [], [], ['on the decorator line above'],
    ]);
  });

  it('keeps several services apart and picks one by name', () => {
    const idl = parseIdl(
      'message r { 0: int v }\nservice one {\n#@random #@nolock #@pass\nr get()\n}\n' +
        'service two {\n#@cht(3) #@update #@pass\nbool put(0: string k)\n}\n',
      's.idl',
    );
    expect(idl.services.map((s) => s.name)).toEqual(['one', 'two']);
    expect(() => buildDescriptor(idl)).toThrow(/expected exactly one service, it declares one, two/);
    expect(() => buildDescriptor(idl, 'three')).toThrow(/no service 'three'/);
    const one = buildDescriptor(idl, 'one');
    const two = buildDescriptor(idl, 'two');
    expect(one.useCht).toBe(false);
    expect(two.useCht).toBe(true);
    expect([...two.methods.keys()]).toEqual(['put']);
    expect(one.messages.get('r')?.fields).toHaveLength(1);
  });

  it('resolves user types to their declarations', () => {
    const desc = buildDescriptor(parseIdl(
      'enum e { 0: a }\nmessage m { 0: e x }\nservice s {\n#@random #@nolock #@pass\nm f(0: e y)\n}', 'u.idl',
    ));
    expect(resolveType(desc, U('m'))).toEqual({ kind: 'message', decl: desc.messages.get('m') });
    expect(resolveType(desc, U('e'))).toEqual({ kind: 'enum', decl: desc.enums.get('e') });
    const list: IdlType = { kind: 'list', elem: U('m') };
    expect(resolveType(desc, list)).toBe(list);
    expect(() => resolveType(desc, U('nope'))).toThrow(/unknown IDL type 'nope'/);
  });
});

describe('errors point at the offending token', () => {
  const cases: Array<[string, string, string]> = [
    ['unknown decorator', svc('#@random #@fast #@pass\nbool f()'), '2:10: unknown decorator #@fast'],
    ['out of order', svc('#@update #@random #@pass\nbool f()'), '2:10: decorator #@random (routing) must come before the lock decorator'],
    ['aggregator before lock', svc('#@random #@pass #@nolock\nbool f()'), '2:17: decorator #@nolock (lock) must come before the aggregator decorator'],
    ['repeated group', svc('#@random #@nolock #@nolock #@pass\nbool f()'), '2:19: second lock decorator #@nolock (already #@nolock)'],
    ['repeated routing', svc('#@random #@cht #@nolock #@pass\nbool f(0: string k)'), '2:10: second routing decorator #@cht (already #@random)'],
    ['ignore', svc('#@random #@nolock #@ignore\nbool f()'), '2:19: aggregator #@ignore is not supported'],
    ['argument on non-cht', svc('#@random(1) #@nolock #@pass\nbool f()'), '2:1: decorator #@random takes no argument'],
    ['missing lock', svc('#@random #@pass\nbool f()'), '3:6: method f has no lock decorator'],
    ['missing routing', svc('bool f()'), '2:6: method f has no routing decorator'],
    ['missing aggregator', svc('#@random #@nolock\nbool f()'), '3:6: method f has no aggregator decorator'],
    ['cht on a uint key', svc('#@cht(1) #@update #@pass\nbool f(0: uint k)'), '2:1: #@cht needs a string first parameter (the key), but f takes uint'],
    ['cht without params', svc('#@random\n#@nolock #@pass\nbool g()\n#@cht #@update #@pass\nbool f()'), '5:1: #@cht needs a string first parameter (the key), but f has no parameters'],
    ['cht on string?', svc('#@cht #@update #@pass\nbool f(0: string? k)'), '2:1: #@cht needs a string first parameter (the key), but f takes string?'],
    ['void on non-internal', svc('#@broadcast #@update #@pass\nvoid f()'), '3:1: method f returns void, which only #@internal methods may'],
    ['all_and on int', svc('#@broadcast #@update #@all_and\nint f()'), '2:22: aggregator #@all_and cannot combine int results (needs bool)'],
    ['all_or on bool?', svc('#@broadcast #@update #@all_or\nbool? f()'), '2:22: aggregator #@all_or cannot combine bool? results (needs bool)'],
    ['concat on map', svc('#@broadcast #@update #@concat\nmap<string,int> f()'), '2:22: aggregator #@concat cannot combine map<string, int> results (needs a list)'],
    ['merge on list', svc('#@broadcast #@update #@merge\nlist<int> f()'), '2:22: aggregator #@merge cannot combine list<int> results (needs a map)'],
    ['add on string', svc('#@broadcast #@update #@add\nstring f()'), '2:22: aggregator #@add cannot combine string results (needs a numeric type)'],
    ['unknown param type', svc('#@random #@nolock #@pass\nbool f(0: int a, 1: list<thing> b)'), '3:26: unknown type \'thing\''],
    ['unknown field type', 'message m {\n  0: map<string, widget?> w\n}', '2:18: unknown type \'widget\''],
    ['unknown parent', 'exception e < nothing { 0: int x }', '1:15: unknown parent exception \'nothing\''],
    ['inheritance cycle', 'exception a < b { 0: int x }\nexception b < a { 0: int y }', '1:15: exception a inherits from itself'],
    ['self inheritance', 'exception a < a { 0: int x }', '1:15: exception a inherits from itself'],
    ['duplicate method', svc('#@random #@nolock #@pass\nbool f()\n#@random #@nolock #@pass\nint f()'), '5:5: duplicate method \'f\' in service s (first declared at 3:6)'],
    ['duplicate message', 'message m { 0: int a }\n\nmessage m { 0: int b }', '3:9: duplicate type name \'m\' (first declared at 1:9)'],
    ['message named like an enum', 'enum m { 0: a }\nmessage m { 0: int b }', '2:9: duplicate type name \'m\''],
    ['duplicate field', 'message m { 0: int a 1: int a }', '1:29: duplicate field \'a\' in m'],
    ['missing )', svc('#@random #@nolock #@pass\nbool f(0: int a'), '4:1: expected \')\', found \'}\''],
    ['missing comma', svc('#@random #@nolock #@pass\nbool f(0: int a 1: int b)'), '3:17: expected \')\', found number 1'],
    ['missing field number', 'message m { int a }', '1:13: expected a field number, found identifier \'int\''],
    ['keyword as name', 'message service { 0: int a }', '1:9: expected a type name, found \'service\''],
    ['empty message', 'message m { }', '1:13: expected a field number, found \'}\''],
    ['unclosed service', svc('#@random #@nolock #@pass\nbool f()').trimEnd().slice(0, -1), '4:1: expected \'}\' to close service s, found end of file'],
    ['no methods', 'service s {\n}', '2:1: expected a method (decorators then return type), found \'}\''],
    ['decorators without a method', svc('#@random #@nolock #@pass'), '3:1: expected a return type, found \'}\''],
    ['bad statement', 'mesage m { 0: int a }', '1:1: expected \'%include\', \'enum\', \'message\', \'exception\' or \'service\', found identifier \'mesage\''],
    ['uppercase identifier', 'message Point { 0: int x }', '1:9: invalid identifier \'Point\''],
    ['double underscore', 'message a__b { 0: int x }', '1:9: invalid identifier \'a__b\''],
    ['unterminated string', '\n  %include "a.idl', '2:12: unterminated string'],
    ['unknown directive', '%import "a.idl"', '1:1: unknown directive \'%import\''],
    ['bare #@', svc('#@ random'), '2:3: expected a decorator name after \'#@\', found \' \''],
    ['stray character', 'message m { 0: int a; }', '1:21: unexpected character \';\''],
    ['builtin redeclared', 'message datum { 0: int a }', '1:9: \'datum\' is a built-in type'],
    ['include without file', '%include foo', '1:10: expected a quoted file name after %include, found identifier \'foo\''],
    ['duplicate enum value', 'enum e { 0: a 1: a }', '1:18: duplicate enum value \'a\' in e'],
    ['enum value without number', 'enum e { a }', '1:10: expected an enum value number, found identifier \'a\''],
    ['built-in redeclared as a method', svc('#@broadcast #@analysis #@merge\nmap<string, string> save(0: string id)'), '3:21: method save is built into every service (get_config, save, load, get_status, do_mix, get_proxy_status)'],
    ['get_status redeclared', svc('#@random #@nolock #@pass\nstring get_status()'), '3:8: method get_status is built into every service'],
    ['unknown type next to a C++ include', '%include "types.hpp"\nmessage m {\n 0: widget w }', '3:5: unknown type \'widget\''],
  ];
  it.each(cases)('%s', (_label, text, expected) => {
    const err = idlError(text);
    expect(err.message.startsWith(`t.idl:${expected}`), `${err.message}\n  wanted t.idl:${expected}`).toBe(true);
    const [line, col] = expected.split(':').map(Number);
    expect([err.file, err.line, err.col]).toEqual(['t.idl', line, col]);
  });

  it('is a usage JubaError with the bare reason kept apart', () => {
    const err = idlError('message m { 0: nope a }');
    expect(err).toBeInstanceOf(JubaError);
    expect(err.code).toBe('usage');
    expect(err.exitCode).toBe(2);
    expect(err.reason).toBe("unknown type 'nope'");
    expect(err.message).toBe("t.idl:1:16: unknown type 'nope'");
  });
});

describe('%include', () => {
  const root = mkdtempSync(join(tmpdir(), 'juba-idl-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (rel: string, text: string): string => {
    const p = join(root, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
    return p;
  };

  it('resolves relative to the including file and merges declarations, each file once', () => {
    write('a/common/types.idl', 'message score { 0: string id 1: double v }\n');
    write('a/common/kinds.idl', '%include "types.idl"\nenum kind { 0: x 1: y }\n');
    write('a/lib/extra.idl', '%include "../common/types.idl"\nmessage pair { 0: score a 1: kind b }\n');
    const main = write('a/svc.idl',
      '%include "common/kinds.idl"\n%include "lib/extra.idl"\n' +
        'service svc {\n#@cht #@update #@pass\nlist<score> top(0: string k, 1: pair p)\n}\n');
    expect(parseIdl('%include "x.idl"\nmessage m { 0: from_include a }', 'p.idl').includes).toEqual(['x.idl']);
    const idl = loadIdl(main);
    expect(idl.file).toBe(main);
    expect(idl.includes).toEqual([
      join(root, 'a/common/types.idl'), join(root, 'a/common/kinds.idl'), join(root, 'a/lib/extra.idl'),
    ]);
    expect(idl.messages.map((m) => m.name)).toEqual(['score', 'pair']);
    expect(idl.enums.map((e) => e.name)).toEqual(['kind']);
    const desc = buildDescriptor(idl);
    expect(desc.useCht).toBe(true);
    expect(resolveType(desc, U('pair'))).toMatchObject({ kind: 'message', decl: { name: 'pair' } });
  });

  it('defers unknown types in a file with includes to loadIdl/buildDescriptor', () => {
    const lone = parseIdl('%include "x.idl"\nmessage m {\n 0: from_include a }', 'p.idl');
    expect(() => buildDescriptor({ ...lone, services: [{ name: 's', methods: [] }] })).toThrow("p.idl:3:5: unknown type 'from_include'");
    write('b/x.idl', 'message other { 0: int a }\n');
    const main = write('b/main.idl', '%include "x.idl"\nmessage m {\n 0: from_include a }\n');
    expect(() => loadIdl(main)).toThrow(`${main}:3:5: unknown type 'from_include'`);
  });

  it('reports include cycles at the %include that closes them', () => {
    const a = write('c/a.idl', 'message a { 0: int x }\n%include "sub/b.idl"\n');
    const b = write('c/sub/b.idl', '\n\n%include "../a.idl"\n');
    expect(() => loadIdl(a)).toThrow(`${b}:3:10: include cycle: a.idl -> b.idl -> a.idl`);
    const self = write('c/self.idl', '%include "self.idl"\n');
    expect(() => loadIdl(self)).toThrow(`${self}:1:10: include cycle: self.idl -> self.idl`);
  });

  it('reports errors in an included file with that file\'s position', () => {
    const bad = write('d/bad.idl', 'message ok { 0: int a }\nmessage broken { 0 int a }\n');
    const main = write('d/main.idl', '%include "bad.idl"\n');
    expect(() => loadIdl(main)).toThrow(`${bad}:2:20: expected ':', found identifier 'int'`);
  });

  it('rejects a type declared in two files, and a missing include', () => {
    const one = write('e/one.idl', 'message dup { 0: int a }\n');
    const two = write('e/two.idl', '%include "one.idl"\n\nenum dup { 0: z }\n');
    expect(() => loadIdl(two)).toThrow(`${two}:3:6: duplicate type name 'dup' (first declared at ${one}:1:9)`);
    const main = write('e/main.idl', '%include "gone.idl"\n');
    expect(() => loadIdl(main)).toThrow(new RegExp(`^${main}:1:10: cannot read included file ${join(root, 'e/gone.idl')}`));
    expect(() => loadIdl(join(root, 'e/none.idl'))).toThrow(/cannot read IDL file/);
  });

  it('passes C++ header includes through without reading them, as jenerator does', () => {
    const main = write('f/graph.idl',
      '%include "../../core/graph/graph_type.hpp"\n%include "part.idl"\n' +
        'message node("jubatus::core::graph::node_info") { 0: list<ulong> in_edges 1: part p }\n' +
        'service g {\n#@cht #@analysis #@pass\nnode get_node(0: string id)\n}\n');
    write('f/part.idl', 'message part { 0: string s }\n');
    expect(parseIdl('%include "x.hpp"\nmessage m { 0: int a }', 'h.idl').includes).toEqual(['x.hpp']);
    const idl = loadIdl(main);
    expect(idl.includes).toEqual([join(root, 'f/part.idl')]);
    expect(idl.messages.find((m) => m.name === 'node')?.typeOverride).toBe('jubatus::core::graph::node_info');
    expect(buildDescriptor(idl).methods.get('get_node')?.returnType).toEqual(U('node'));
  });

  it('reads through a substitute reader', () => {
    const files: Record<string, string> = {
      'v/main.idl': '%include "t.idl"\nservice v {\n#@random #@nolock #@pass\nt get()\n}\n',
      'v/t.idl': 'message t { 0: raw r }\n',
    };
    const idl = loadIdl('v/main.idl', { readFile: (p) => files[p] ?? '' });
    expect(buildDescriptor(idl).messages.get('t')?.fields[0]?.type).toEqual(P('raw'));
  });
});
