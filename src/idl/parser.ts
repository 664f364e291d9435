/**
 * The Jubatus IDL (extended MessagePack-IDL, framework spec §10.1–10.2): a hand-written lexer
 * and recursive-descent parser that checks what jenerator checks — decorators, routing keys,
 * aggregator/return-type pairs, names and types — and reports each problem as
 * `file:line:col: message` so an IDL author can jump straight to it.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { JubaError } from '../errors.js';
import { DO_MIX, GET_PROXY_STATUS, SERVER_BUILTINS } from './builtins.js';
import type {
  AggregatorName, EnumDecl, ExceptionDecl, Field, IdlFile, IdlType, LockKind, MessageDecl,
  MethodDecl, PrimitiveName, Routing, ServiceDecl,
} from './types.js';

/** An IDL problem at a 1-based position; `reason` is the message without the position. */
export class IdlError extends JubaError {
  constructor(readonly file: string, readonly line: number, readonly col: number, readonly reason: string) {
    super(`${file}:${line}:${col}: ${reason}`, { code: 'usage', hint: 'fix the IDL at that position' });
    this.name = 'IdlError';
  }
}

interface Pos { file: string; line: number; col: number }
type TokKind = 'word' | 'int' | 'string' | 'punct' | 'decorator' | 'include' | 'eof';
interface Token { kind: TokKind; text: string; line: number; col: number; doc?: string[] }

const IDENT = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const KEYWORDS = new Set(['enum', 'message', 'exception', 'service', 'list', 'map', 'void']);
const PRIMITIVES = new Set<string>([
  'object', 'bool', 'byte', 'short', 'int', 'long', 'ubyte', 'ushort', 'uint', 'ulong',
  'float', 'double', 'raw', 'string', 'datum',
] satisfies PrimitiveName[]);
/** Every server or proxy answers these itself (spec §7, §10.3), so an IDL may not declare them again. */
const BUILTIN_NAMES = [...SERVER_BUILTINS, DO_MIX, GET_PROXY_STATUS].map((m) => m.name);
const NUMERIC = new Set(['byte', 'short', 'int', 'long', 'ubyte', 'ushort', 'uint', 'ulong', 'float', 'double']);

/*
 * Positions live beside the declarations rather than in them, so descriptors stay plain data
 * (deep-equal comparable, JSON-able) while later checks — unknown types after includes are
 * merged, duplicates across files — can still point back at the source.
 */
const typePos = new WeakMap<IdlType, Pos>();
const declPos = new WeakMap<object, Pos>();
const parentPos = new WeakMap<ExceptionDecl, Pos>();
const includeSites = new WeakMap<IdlFile, Array<Pos & { path: string }>>();

// One alternative per token class; which capture group matched tells lex() what was read.
const TOKEN = /(\n)|[ \t\r]+|#@([A-Za-z_][A-Za-z0-9_]*)?|#([^\n]*)|(%[a-z]*)|"((?:[^"\\\n]|\\.)*)("?)|([0-9]+)|([A-Za-z_][A-Za-z0-9_]*)|([{}()<>,:?])/y;

function lex(text: string, file: string): Token[] {
  const toks: Token[] = [];
  let line = 1, lineStart = 0;
  let doc: string[] = [], docLine = -1;
  const push = (kind: TokKind, t: string, start: number): void => {
    const tok: Token = { kind, text: t, line, col: start - lineStart + 1 };
    // A doc block belongs to the token on the very next line; anything in between orphans it.
    if (doc.length > 0 && docLine === line - 1) tok.doc = doc;
    doc = [];
    toks.push(tok);
  };
  let i = 0;
  const fail = (msg: string): never => { throw new IdlError(file, line, i - lineStart + 1, msg); };
  while (i < text.length) {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(text);
    if (!m) fail(`unexpected character '${text[i]}'`);
    const [all, nl, deco, comment, directive, str, closeQuote, int, word, punct] = m!;
    if (nl !== undefined) { line++; lineStart = i + 1; }
    else if (all.startsWith('#@')) {
      if (deco === undefined) { i += 2; fail(`expected a decorator name after '#@', found ${describeChar(text[i])}`); }
      push('decorator', deco!, i);
    } else if (comment !== undefined) {
      // Only whole-line `#-` comments document; a trailing one is an ordinary remark.
      if (comment.startsWith('-') && text.slice(lineStart, i).trim() === '') {
        if (docLine !== line - 1) doc = [];
        doc.push(comment.slice(1).replace(/\r$/, '').replace(/^ /, ''));
        docLine = line;
      } else doc = [];
    } else if (directive !== undefined) {
      if (directive !== '%include') fail(`unknown directive '${directive}' (only %include exists)`);
      push('include', directive, i);
    } else if (str !== undefined) {
      if (closeQuote !== '"') fail('unterminated string');
      push('string', str.replace(/\\(.)/g, '$1'), i);
    } else if (int !== undefined) push('int', int, i);
    else if (word !== undefined) {
      if (!IDENT.test(word)) fail(`invalid identifier '${word}' (identifiers are lowercase words joined by single underscores)`);
      push('word', word, i);
    } else if (punct !== undefined) push('punct', punct, i);
    i += all.length;
  }
  push('eof', '', text.length);
  return toks;
}

function describeChar(c: string | undefined): string {
  return c === undefined ? 'end of file' : c === '\n' ? 'end of line' : `'${c}'`;
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'word': return KEYWORDS.has(t.text) ? `'${t.text}'` : `identifier '${t.text}'`;
    case 'int': return `number ${t.text}`;
    case 'string': return `string "${t.text}"`;
    case 'punct': return `'${t.text}'`;
    case 'decorator': return `decorator #@${t.text}`;
    case 'include': return `'%include'`;
    case 'eof': return 'end of file';
  }
}

type Group = 0 | 1 | 2;
const GROUP_NAMES = ['routing', 'lock', 'aggregator'] as const;
const DECORATORS: Record<string, Group> = {
  random: 0, broadcast: 0, cht: 0, internal: 0,
  update: 1, analysis: 1, nolock: 1,
  pass: 2, all_and: 2, all_or: 2, concat: 2, merge: 2, add: 2, ignore: 2,
};
interface Deco { tok: Token; arg?: number }

class Parser {
  private pos = 0;
  private readonly out: IdlFile;
  private readonly typeNames = new Map<string, Pos>();
  constructor(private readonly toks: Token[], private readonly file: string) {
    this.out = { file, includes: [], enums: [], messages: [], exceptions: [], services: [] };
    includeSites.set(this.out, []);
  }

  private peek(): Token { return this.toks[this.pos]!; }
  private next(): Token { return this.toks[this.pos++]!; }
  private at(t: Token): Pos { return { file: this.file, line: t.line, col: t.col }; }
  private fail(t: { line: number; col: number }, msg: string): never { throw new IdlError(this.file, t.line, t.col, msg); }
  private isPunct(p: string): boolean { const t = this.peek(); return t.kind === 'punct' && t.text === p; }
  private isWord(w: string): boolean { const t = this.peek(); return t.kind === 'word' && t.text === w; }
  private eat(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.pos++;
    return true;
  }

  private expect(kind: TokKind, text: string | null, what: string): Token {
    const t = this.peek();
    if (t.kind !== kind || (text !== null && t.text !== text)) this.fail(t, `expected ${what}, found ${describe(t)}`);
    return this.next();
  }
  private punct(p: string): Token { return this.expect('punct', p, `'${p}'`); }
  private int(what: string): number { return Number(this.expect('int', null, what).text); }
  private ident(what: string): Token {
    const t = this.peek();
    if (t.kind !== 'word' || KEYWORDS.has(t.text)) this.fail(t, `expected ${what}, found ${describe(t)}`);
    return this.next();
  }

  parse(): IdlFile {
    for (let t = this.peek(); t.kind !== 'eof'; t = this.peek()) {
      if (t.kind === 'include') {
        this.next();
        const s = this.expect('string', null, 'a quoted file name after %include');
        this.out.includes.push(s.text);
        includeSites.get(this.out)!.push({ ...this.at(s), path: s.text });
      } else if (this.isWord('enum')) this.enumDecl();
      else if (this.isWord('message') || this.isWord('exception')) this.structDecl(t.text as 'message' | 'exception');
      else if (this.isWord('service')) this.serviceDecl();
      else this.fail(t, `expected '%include', 'enum', 'message', 'exception' or 'service', found ${describe(t)}`);
    }
    return this.out;
  }

  private typeName(): Token {
    const t = this.ident('a type name');
    if (PRIMITIVES.has(t.text)) this.fail(t, `'${t.text}' is a built-in type and cannot be redeclared`);
    const prev = this.typeNames.get(t.text);
    if (prev) this.fail(t, `duplicate type name '${t.text}' (first declared at ${prev.line}:${prev.col})`);
    this.typeNames.set(t.text, this.at(t));
    return t;
  }

  private enumDecl(): void {
    this.next();
    const name = this.typeName();
    const decl: EnumDecl = { name: name.text, values: [] };
    this.punct('{');
    do {
      const value = this.int('an enum value number');
      this.punct(':');
      const v = this.ident('an enum value name');
      if (decl.values.some((x) => x.name === v.text)) this.fail(v, `duplicate enum value '${v.text}' in ${decl.name}`);
      decl.values.push({ value, name: v.text });
    } while (!this.isPunct('}'));
    this.next();
    declPos.set(decl, this.at(name));
    this.out.enums.push(decl);
  }

  /** `message name [("c++ type")] {…}` and `exception name [< parent] {…}` differ only in their heads. */
  private structDecl(kind: 'message' | 'exception'): void {
    this.next();
    const name = this.typeName();
    const decl: MessageDecl & ExceptionDecl = { name: name.text, fields: [] };
    if (kind === 'message' && this.eat('(')) {
      decl.typeOverride = this.expect('string', null, 'a quoted C++ type name').text;
      this.punct(')');
    } else if (kind === 'exception' && this.eat('<')) {
      const parent = this.ident('a parent exception name');
      decl.parent = parent.text;
      parentPos.set(decl, this.at(parent));
    }
    decl.fields = this.fieldBlock(decl.name);
    declPos.set(decl, this.at(name));
    (kind === 'message' ? this.out.messages : this.out.exceptions).push(decl);
  }

  private fieldBlock(owner: string): Field[] {
    const fields: Field[] = [];
    this.punct('{');
    do fields.push(this.field(fields, owner)); while (!this.isPunct('}'));
    this.next();
    return fields;
  }

  private field(siblings: Field[], owner: string): Field {
    const id = this.int('a field number');
    this.punct(':');
    const type = this.type();
    const name = this.ident('a field name');
    if (siblings.some((f) => f.name === name.text)) this.fail(name, `duplicate field '${name.text}' in ${owner}`);
    return { id, name: name.text, type };
  }

  private type(): IdlType {
    let type: IdlType;
    if (this.isWord('list') || this.isWord('map')) {
      const isList = this.next().text === 'list';
      this.punct('<');
      const first = this.type();
      if (isList) type = { kind: 'list', elem: first };
      else { this.punct(','); type = { kind: 'map', key: first, value: this.type() }; }
      this.punct('>');
    } else {
      const w = this.ident('a type');
      if (PRIMITIVES.has(w.text)) type = { kind: 'primitive', name: w.text as PrimitiveName };
      else typePos.set(type = { kind: 'user', name: w.text }, this.at(w));
    }
    while (this.eat('?')) type = { kind: 'nullable', inner: type };
    return type;
  }

  private serviceDecl(): void {
    this.next();
    const name = this.ident('a service name');
    if (this.out.services.some((s) => s.name === name.text)) this.fail(name, `duplicate service '${name.text}'`);
    const svc: ServiceDecl = { name: name.text, methods: [] };
    this.punct('{');
    do {
      const m = this.method();
      const dup = svc.methods.find((x) => x.name === m.name);
      if (dup) this.fail(m, `duplicate method '${m.name}' in service ${svc.name} (first declared at ${dup.line}:${dup.col})`);
      svc.methods.push(m);
      if (this.peek().kind === 'eof') this.fail(this.peek(), `expected '}' to close service ${svc.name}, found end of file`);
    } while (!this.isPunct('}'));
    this.next();
    declPos.set(svc, this.at(name));
    this.out.services.push(svc);
  }

  private method(): MethodDecl {
    const first = this.peek();
    const decos: Deco[] = [];
    while (this.peek().kind === 'decorator') {
      const d: Deco = { tok: this.next() };
      if (this.eat('(')) { d.arg = this.int('a number'); this.punct(')'); }
      decos.push(d);
    }
    const groups = this.decorators(decos);
    let returnType: IdlType | null = null;
    const rt = this.peek();
    if (this.isWord('void')) this.next();
    else if ((rt.kind === 'word' && !KEYWORDS.has(rt.text)) || this.isWord('list') || this.isWord('map')) returnType = this.type();
    else this.fail(rt, `expected ${decos.length ? 'a return type' : 'a method (decorators then return type)'}, found ${describe(rt)}`);
    const name = this.ident('a method name');
    if (BUILTIN_NAMES.includes(name.text)) {
      this.fail(name, `method ${name.text} is built into every service (${BUILTIN_NAMES.join(', ')}); remove it from the IDL`);
    }
    this.punct('(');
    const params: Field[] = [];
    if (!this.eat(')')) {
      do params.push(this.field(params, name.text)); while (this.eat(','));
      this.punct(')');
    }
    return this.finishMethod(name, first, rt, returnType, params, groups);
  }

  /** Decorators come in three groups, each at most once and in the order routing, lock, aggregator. */
  private decorators(decos: Deco[]): Array<Deco | undefined> {
    const seen: Array<Deco | undefined> = [undefined, undefined, undefined];
    let last = -1;
    for (const d of decos) {
      const name = d.tok.text;
      const g = DECORATORS[name];
      if (g === undefined) this.fail(d.tok, `unknown decorator #@${name}`);
      const group = GROUP_NAMES[g];
      const prev = seen[g];
      if (prev) this.fail(d.tok, `second ${group} decorator #@${name} (already #@${prev.tok.text})`);
      if (g < last) {
        this.fail(d.tok, `decorator #@${name} (${group}) must come before the ${GROUP_NAMES[last]} decorator: write routing, lock, aggregator`);
      }
      if (d.arg !== undefined && name !== 'cht') this.fail(d.tok, `decorator #@${name} takes no argument`);
      if (name === 'ignore') this.fail(d.tok, 'aggregator #@ignore is not supported (it has no implementation)');
      seen[g] = d;
      last = g;
    }
    return seen;
  }

  private finishMethod(
    name: Token, first: Token, rt: Token, returnType: IdlType | null, params: Field[], groups: Array<Deco | undefined>,
  ): MethodDecl {
    const [r, l, a] = groups;
    if (!r) this.fail(name, `method ${name.text} has no routing decorator (#@random, #@broadcast, #@cht or #@internal)`);
    if (!l) this.fail(name, `method ${name.text} has no lock decorator (#@update, #@analysis or #@nolock)`);
    const internal = r.tok.text === 'internal';
    if (!a && !internal) this.fail(name, `method ${name.text} has no aggregator decorator (#@pass, #@all_and, #@all_or, #@concat, #@merge or #@add)`);
    if (returnType === null && !internal) this.fail(rt, `method ${name.text} returns void, which only #@internal methods may`);
    let routing: Routing;
    if (r.tok.text === 'cht') {
      // The proxy hashes the first argument onto the ring, so it has to be a plain string key.
      const p0 = params[0];
      if (!p0 || p0.type.kind !== 'primitive' || p0.type.name !== 'string') {
        this.fail(r.tok, `#@cht needs a string first parameter (the key), but ${name.text} ${p0 ? `takes ${showType(p0.type)}` : 'has no parameters'}`);
      }
      routing = { kind: 'cht', n: r.arg ?? 2 };
    } else {
      routing = { kind: r.tok.text as 'random' | 'broadcast' | 'internal' };
    }
    const aggregator = (a?.tok.text ?? 'pass') as AggregatorName;
    if (a && returnType && !aggregatorFits(aggregator, returnType)) {
      this.fail(a.tok, `aggregator #@${aggregator} cannot combine ${showType(returnType)} results (${AGG_NEEDS[aggregator]})`);
    }
    return {
      name: name.text, returnType, params, routing, lock: l.tok.text as LockKind, aggregator,
      doc: first.doc ?? [], line: name.line, col: name.col,
    };
  }
}

const AGG_NEEDS: Record<AggregatorName, string> = {
  pass: 'any type', all_and: 'needs bool', all_or: 'needs bool', concat: 'needs a list',
  merge: 'needs a map', add: 'needs a numeric type',
};

function aggregatorFits(agg: AggregatorName, t: IdlType): boolean {
  switch (agg) {
    case 'pass': return true;
    case 'all_and': case 'all_or': return t.kind === 'primitive' && t.name === 'bool';
    case 'concat': return t.kind === 'list';
    case 'merge': return t.kind === 'map';
    case 'add': return t.kind === 'primitive' && NUMERIC.has(t.name);
  }
}

function showType(t: IdlType): string {
  switch (t.kind) {
    case 'primitive': case 'user': return t.name;
    case 'list': return `list<${showType(t.elem)}>`;
    case 'map': return `map<${showType(t.key)}, ${showType(t.value)}>`;
    case 'nullable': return `${showType(t.inner)}?`;
  }
}

/**
 * Whether `%include "path"` names another IDL file. Jubatus's own IDLs also include C++ headers
 * (`%include "../../core/graph/graph_type.hpp"`) that jenerator passes through to generated
 * C++ for `message x("c++::type")` overrides; juba keeps those in `includes` but never reads them.
 */
export function isIdlInclude(path: string): boolean {
  return path.endsWith('.idl');
}

/**
 * Parses one IDL text. Unknown user types are reported here only when the file includes no
 * other IDL (the types may come from an included file); `loadIdl` checks after merging.
 */
export function parseIdl(text: string, file: string): IdlFile {
  const idl = new Parser(lex(text, file), file).parse();
  if (!idl.includes.some(isIdlInclude)) validateTypes(idl);
  return idl;
}

/** Every user type named in `idl` must be declared in it; exception parents must be exceptions. */
export function validateTypes(idl: IdlFile): void {
  const known = new Set([...idl.messages, ...idl.enums, ...idl.exceptions].map((d) => d.name));
  const fallback: Pos = { file: idl.file, line: 0, col: 0 };
  const check = (t: IdlType, near: Pos): void => {
    if (t.kind === 'list') check(t.elem, near);
    else if (t.kind === 'map') { check(t.key, near); check(t.value, near); }
    else if (t.kind === 'nullable') check(t.inner, near);
    else if (t.kind === 'user' && !known.has(t.name)) {
      const p = typePos.get(t) ?? near;
      throw new IdlError(p.file, p.line, p.col, `unknown type '${t.name}'`);
    }
  };
  for (const d of [...idl.messages, ...idl.exceptions]) {
    for (const f of d.fields) check(f.type, declPos.get(d) ?? fallback);
  }
  const excs = new Map(idl.exceptions.map((e) => [e.name, e]));
  for (const e of idl.exceptions) {
    const p = parentPos.get(e) ?? declPos.get(e) ?? fallback;
    if (e.parent !== undefined && !excs.has(e.parent)) throw new IdlError(p.file, p.line, p.col, `unknown parent exception '${e.parent}'`);
    // Walking up must end; a chain that comes back to e would make its wire layout infinite.
    for (let cur = excs.get(e.parent ?? ''), steps = 0; cur; cur = excs.get(cur.parent ?? ''), steps++) {
      if (cur === e || steps > excs.size) throw new IdlError(p.file, p.line, p.col, `exception ${e.name} inherits from itself`);
    }
  }
  for (const s of idl.services) {
    for (const m of s.methods) {
      const near: Pos = { file: declPos.get(s)?.file ?? idl.file, line: m.line, col: m.col };
      if (m.returnType) check(m.returnType, near);
      for (const p of m.params) check(p.type, near);
    }
  }
}

export interface LoadIdlOptions {
  /** Reads a file's text; defaults to the file system (tests and bundlers may substitute). */
  readFile?: (path: string) => string;
}

/**
 * Loads an IDL file with its `.idl` `%include`s (paths relative to the including file), merged
 * into one IdlFile whose `includes` lists every included IDL file once, depth first. A file included
 * twice along different paths is read once; an include cycle is an error at the `%include`.
 */
export function loadIdl(path: string, opts: LoadIdlOptions = {}): IdlFile {
  const read = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const merged: IdlFile = { file: path, includes: [], enums: [], messages: [], exceptions: [], services: [] };
  const done = new Set<string>();
  const visit = (file: string, stack: string[], site?: Pos): void => {
    const abs = resolve(file);
    const loopAt = stack.indexOf(abs);
    if (loopAt >= 0 && site) {
      const chain = [...stack.slice(loopAt), abs].map((p) => basename(p)).join(' -> ');
      throw new IdlError(site.file, site.line, site.col, `include cycle: ${chain}`);
    }
    if (done.has(abs)) return;
    let text: string;
    try {
      text = read(file);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      if (site) throw new IdlError(site.file, site.line, site.col, `cannot read included file ${file}: ${why}`);
      throw new JubaError(`cannot read IDL file ${file}: ${why}`, { code: 'not_found', hint: 'check the path of the IDL file', cause: err });
    }
    const idl = parseIdl(text, file);
    for (const inc of includeSites.get(idl) ?? []) {
      if (isIdlInclude(inc.path)) visit(join(dirname(file), inc.path), [...stack, abs], inc);
    }
    done.add(abs);
    if (site) merged.includes.push(file);
    mergeInto(merged, idl);
  };
  visit(path, []);
  validateTypes(merged);
  return merged;
}

function mergeInto(into: IdlFile, from: IdlFile): void {
  const names = new Map<string, object>();
  for (const d of [...into.messages, ...into.enums, ...into.exceptions]) names.set(d.name, d);
  const clash = (d: { name: string }, prev: object | undefined, what: string): void => {
    if (!prev) return;
    const p = declPos.get(d) ?? { file: from.file, line: 0, col: 0 };
    const q = declPos.get(prev);
    throw new IdlError(p.file, p.line, p.col, `duplicate ${what} '${d.name}'${q ? ` (first declared at ${q.file}:${q.line}:${q.col})` : ''}`);
  };
  for (const d of [...from.messages, ...from.enums, ...from.exceptions]) clash(d, names.get(d.name), 'type name');
  for (const s of from.services) clash(s, into.services.find((x) => x.name === s.name), 'service');
  into.enums.push(...from.enums);
  into.messages.push(...from.messages);
  into.exceptions.push(...from.exceptions);
  into.services.push(...from.services);
}
