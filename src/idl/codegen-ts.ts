/**
 * `juba gen --lang ts`: TypeScript from an IDL file. Values keep the shapes juba's codec gives
 * and takes (src/idl/codec.ts), so a generated client and a service implementation loaded by
 * `juba serve --idl` see the same types: messages are tuples in field order (as on the wire),
 * maps are `Map`s, raw is `Uint8Array`, a datum is `{stringValues, numValues, binaryValues}`,
 * 64-bit integers are `number | bigint` (bigint only beyond 2^53), enums are their numbers.
 *
 * Output: `<idl>_types.ts` (message/enum types and one implementation interface per service),
 * `<idl>_client.ts` (one client class per service), `juba_rpc.ts` (the self-contained runtime
 * the clients use) and, on request, `<service>_impl.ts` skeletons. Output is deterministic.
 */
import { JubaError } from '../errors.js';
import { TS_RUNTIME, TS_RUNTIME_FILE } from './codegen-ts-runtime.js';
import { buildDescriptor } from './descriptor.js';
import type { EnumDecl, Field, IdlFile, IdlType, MethodDecl, ServiceDecl, ServiceDescriptor } from './types.js';

export interface GeneratedFile {
  /** Relative to the output folder. */
  path: string;
  text: string;
  /** A skeleton the user fills in: written once, never replaced without being asked. */
  userOwned: boolean;
}

export interface TsGenOptions {
  /** What the header says the code was generated from (the IDL file's name). */
  source: string;
  /** Also write an implementation skeleton per service. */
  skeleton?: boolean;
  /** Where the types file takes `Datum` from (default: the generated runtime). */
  datumFrom?: string;
}

/** `nearest_neighbor` → `NearestNeighbor`. */
export function pascalCase(name: string): string {
  return name.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

// IDL identifiers are lowercase words, so only these can collide with TypeScript syntax.
const RESERVED = new Set([
  'arguments', 'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default',
  'delete', 'do', 'else', 'enum', 'eval', 'export', 'extends', 'false', 'finally', 'for', 'function',
  'if', 'implements', 'import', 'in', 'instanceof', 'interface', 'let', 'new', 'null', 'package',
  'private', 'protected', 'public', 'return', 'static', 'super', 'switch', 'this', 'throw', 'true',
  'try', 'typeof', 'var', 'void', 'while', 'with', 'yield',
]);

/** A parameter or tuple label for an IDL name (`new` → `new_`). */
function tsIdent(name: string): string {
  return RESERVED.has(name) ? `${name}_` : name;
}

/** Members of the generated client base class that an IDL method must not replace. */
const CLIENT_OWN = ['close', 'get_name', 'set_name', 'get_client'];

function usage(message: string, hint: string): JubaError {
  return new JubaError(message, { code: 'usage', hint });
}

/** One doc block; `*\/` inside the IDL text must not end the comment early. */
function jsDoc(lines: readonly string[], indent: string): string {
  if (lines.length === 0) return '';
  const safe = lines.map((l) => l.replace(/\*\//g, '*\\/').trimEnd());
  if (safe.length === 1) return `${indent}/** ${safe[0]} */\n`;
  return `${indent}/**\n${safe.map((l) => `${indent} *${l ? ` ${l}` : ''}`).join('\n')}\n${indent} */\n`;
}

class TsWriter {
  /** Type names the current file refers to, to import exactly those. */
  readonly used = new Set<string>();
  constructor(private readonly scope: Pick<ServiceDescriptor, 'messages' | 'enums'>) {}

  type(t: IdlType): string {
    switch (t.kind) {
      case 'nullable': return `${this.type(t.inner)} | null`;
      case 'list': return `Array<${this.type(t.elem)}>`;
      case 'map': return `Map<${this.type(t.key)}, ${this.type(t.value)}>`;
      case 'user': {
        const name = pascalCase(t.name);
        this.used.add(name);
        return name;
      }
      case 'primitive':
        switch (t.name) {
          case 'bool': return 'boolean';
          case 'long': case 'ulong': return 'number | bigint';
          case 'string': return 'string';
          case 'raw': return 'Uint8Array';
          case 'object': return 'unknown';
          case 'datum': this.used.add('Datum'); return 'Datum';
          default: return 'number';
        }
    }
  }

  /** The runtime's description of `t`, as TypeScript source. */
  wire(t: IdlType): string {
    switch (t.kind) {
      case 'nullable': return `['nullable', ${this.wire(t.inner)}]`;
      case 'list': return `['list', ${this.wire(t.elem)}]`;
      case 'map': return `['map', ${this.wire(t.key)}, ${this.wire(t.value)}]`;
      case 'user': return this.scope.enums.has(t.name) ? `'int'` : `['msg', '${t.name}']`;
      case 'primitive': return `'${t.name}'`;
    }
  }

  params(params: readonly Field[]): string {
    return params.map((p) => `${tsIdent(p.name)}: ${this.type(p.type)}`).join(', ');
  }

  returns(m: MethodDecl): string {
    return m.returnType ? this.type(m.returnType) : 'void';
  }
}

function header(source: string, what: string): string {
  return `// ${what} generated by juba gen from ${source}. Do not edit: change the IDL and run juba gen again.\n`;
}

function importLine(names: Set<string>, from: string): string {
  return names.size ? `import type { ${[...names].sort().join(', ')} } from './${from}.js';\n` : '';
}

function enumBlock(e: EnumDecl): string {
  const name = pascalCase(e.name);
  const values = e.values.map((v) => `  ${v.name}: ${v.value},`).join('\n');
  return `/** IDL enum ${e.name}; it travels as its number. */\n` +
    `export const ${name} = {\n${values}\n} as const;\n` +
    `export type ${name} = (typeof ${name})[keyof typeof ${name}];\n`;
}

function typesFile(idl: IdlFile, descs: ServiceDescriptor[], opts: TsGenOptions): string {
  const w = new TsWriter(descs[0]!);
  const blocks: string[] = [];
  for (const e of idl.enums) blocks.push(enumBlock(e));
  // Exceptions arrive in the descriptor's messages with their parents' fields first.
  for (const m of descs[0]!.messages.values()) {
    const fields = m.fields.map((f) => `${tsIdent(f.name)}: ${w.type(f.type)}`).join(', ');
    blocks.push(`/** IDL message ${m.name}: travels as an array in this field order. */\nexport type ${pascalCase(m.name)} = [${fields}];\n`);
  }
  for (const d of descs) {
    const methods = [...d.methods.values()].map((m) => {
      const r = w.returns(m);
      return `${jsDoc(m.doc, '  ')}  ${m.name}(${w.params(m.params)}): ${r} | Promise<${r}>;`;
    });
    blocks.push(
      `/**\n * What an implementation of service ${d.name} provides, for \`juba serve --idl\`: one method per\n` +
        ` * IDL method, answering directly or with a Promise. Built-ins (get_config, save, ...) are the server's.\n */\n` +
        `export interface ${pascalCase(d.name)}Service {\n${methods.join('\n')}\n}\n`,
    );
  }
  const datumFrom = opts.datumFrom ?? `./${TS_RUNTIME_FILE.replace(/\.ts$/, '')}.js`;
  return `${header(opts.source, 'Types')}import type { Datum } from '${datumFrom}';\n\nexport type { Datum };\n\n${blocks.join('\n')}`;
}

function clientFile(base: string, descs: ServiceDescriptor[], opts: TsGenOptions): string {
  const w = new TsWriter(descs[0]!);
  const table = [...descs[0]!.messages.values()].map((m) => `  ${m.name}: [${m.fields.map((f) => w.wire(f.type)).join(', ')}],`);
  const classes = descs.map((d) => {
    const methods = [...d.methods.values()].map((m) => {
      const doc = m.routing.kind === 'internal'
        ? [...m.doc, ...(m.doc.length ? [''] : []), 'Internal: servers answer it, proxies do not route it.']
        : m.doc;
      const args = m.params.map((p) => tsIdent(p.name)).join(', ');
      const types = m.params.map((p) => w.wire(p.type)).join(', ');
      const ret = m.returnType ? w.wire(m.returnType) : 'null';
      return `${jsDoc(doc, '  ')}  ${m.name}(${w.params(m.params)}): Promise<${w.returns(m)}> {\n` +
        `    return this.callMethod('${m.name}', [${args}], [${types}], ${ret}, TYPES);\n  }\n`;
    });
    return `/**\n * Client of service ${d.name}: new ${pascalCase(d.name)}Client(host, port, clusterName, timeoutMs?).\n` +
      ` * Every call sends the cluster name first, as every Jubatus client does.\n */\n` +
      `export class ${pascalCase(d.name)}Client extends JubatusClient {\n${methods.join('\n')}}\n`;
  });
  const runtime = TS_RUNTIME_FILE.replace(/\.ts$/, '');
  return `${header(opts.source, 'Client')}import { JubatusClient, type TypeTable } from './${runtime}.js';\n` +
    `${importLine(w.used, `${base}_types`)}\n` +
    `const TYPES: TypeTable = {${table.length ? `\n${table.join('\n')}\n` : ''}};\n\n${classes.join('\n')}`;
}

function skeletonFile(base: string, d: ServiceDescriptor, opts: TsGenOptions): string {
  const w = new TsWriter(d);
  const iface = `${pascalCase(d.name)}Service`;
  const methods = [...d.methods.values()].map((m) =>
    `${jsDoc(m.doc, '    ')}    ${m.name}(${w.params(m.params)}): ${w.returns(m)} {\n` +
      `      throw new Error('${d.name}.${m.name} is not implemented yet');\n    },\n`);
  w.used.add(iface);
  return `// Skeleton generated by juba gen from ${opts.source}: fill it in. juba gen leaves it alone unless --force.\n` +
    importLine(w.used, `${base}_types`) +
    `\n/**\n * Builds the ${d.name} service for \`juba serve --idl ${opts.source} --impl <this module compiled to .js>\`.\n` +
    ` * \`config\` is the JSON config given with -f (\`{}\` without one).\n */\n` +
    `export default function create(config: unknown): ${iface} {\n  void config;\n  return {\n${methods.join('\n')}  };\n}\n`;
}

/** Every name the output declares at top level must be distinct after case conversion. */
function checkNames(idl: IdlFile): void {
  const seen = new Map<string, string>([['Datum', 'the built-in datum'], ['JubatusClient', 'the runtime client']]);
  const claim = (ts: string, what: string): void => {
    const prev = seen.get(ts);
    if (prev) throw usage(`${what} and ${prev} both become ${ts} in TypeScript`, 'rename one of them in the IDL');
    seen.set(ts, what);
  };
  for (const d of [...idl.enums, ...idl.messages, ...idl.exceptions]) claim(pascalCase(d.name), `type ${d.name}`);
  for (const s of idl.services) {
    claim(`${pascalCase(s.name)}Client`, `the client of service ${s.name}`);
    claim(`${pascalCase(s.name)}Service`, `the interface of service ${s.name}`);
    for (const m of s.methods) {
      if (CLIENT_OWN.includes(m.name)) {
        throw usage(`${idl.file}:${m.line}:${m.col}: method ${m.name} clashes with ${m.name}() of every generated client`, 'rename the method in the IDL');
      }
    }
  }
}

/**
 * The service interface and message types of a shipped engine, which its implementation in
 * `src/engine/<type>/` implements: the same text `juba gen` writes, with juba's own Datum.
 */
export function generateEngineTypes(idl: IdlFile, source: string): string {
  checkNames(idl);
  const descs = idl.services.map((s: ServiceDecl) => buildDescriptor(idl, s.name));
  return typesFile(idl, descs, { source, datumFrom: '../datum.js' });
}

/** The files `juba gen --lang ts` writes for `idl` (already loaded with its includes). */
export function generateTs(idl: IdlFile, opts: TsGenOptions): GeneratedFile[] {
  if (idl.services.length === 0) throw usage(`${idl.file}: declares no service, so there is nothing to generate`, 'add a service block');
  checkNames(idl);
  const base = opts.source.replace(/\.idl$/, '').replace(/[^A-Za-z0-9_]/g, '_');
  const descs = idl.services.map((s: ServiceDecl) => buildDescriptor(idl, s.name));
  const files: GeneratedFile[] = [
    { path: `${base}_types.ts`, text: typesFile(idl, descs, opts), userOwned: false },
    { path: `${base}_client.ts`, text: clientFile(base, descs, opts), userOwned: false },
    { path: TS_RUNTIME_FILE, text: `// The msgpack-rpc runtime of clients generated by juba gen. Do not edit: run juba gen again.\n${TS_RUNTIME}`, userOwned: false },
  ];
  if (opts.skeleton) {
    for (const d of descs) files.push({ path: `${d.name}_impl.ts`, text: skeletonFile(base, d, opts), userOwned: true });
  }
  return files;
}
