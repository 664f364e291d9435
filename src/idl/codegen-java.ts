/**
 * `juba gen --lang java`: the shape of the official Jubatus Java client (jubatus-java-client).
 * Per service, package `us.jubat.<service>` with `NearestNeighborClient extends
 * us.jubat.common.ClientBase` (constructor `(host, port, name, timeoutSec)`, one camelCase
 * method per IDL method: `setRow`, `similarRowFromId`; the built-ins `getConfig`, `getStatus`,
 * `save`, `load`, `doMix`, `getProxyStatus`, `getName`, `setName` come from ClientBase) and one
 * class per message (`IdWithScore`, public fields in IDL order, `toMsgpack` / `fromMsgpack`).
 * The code imports `us.jubat.common` and `us.jubat.common.type`, which `--runtime` writes (on
 * Debian's libmsgpack-java). The package names are the official ones, but the code calls this
 * runtime's API (TType constants, ClientBase.call), not the official msgpack-rpc-java one, so it
 * needs the runtime written once next to it. `--package` replaces the parent package `us.jubat`
 * of the service packages.
 *
 * Types: exact Java types (uint → long, ushort → int, ubyte → short), except `ulong`, which
 * Java cannot hold: a long with its 64 bits (a comment in the code and a line on stderr say so).
 *
 * Names: a Java keyword, or a method of Object, used as a method, parameter or field name gets
 * a trailing underscore (`default` → `default_`); the wire keeps the IDL name.
 */
import { JubaError } from '../errors.js';
import {
  camelCase, checkMethodNames, escapeName, foldType, pascalCase,
  type ClientModel, type Emitter, type GeneratedFile, type GenOptions, type ServiceModel,
} from './codegen-model.js';
import { JAVA_RUNTIME } from './runtime-java.js';
import type { IdlType, MessageDecl, MethodDecl } from './types.js';

export const JAVA_RESERVED: ReadonlySet<string> = new Set([
  'abstract', 'assert', 'boolean', 'break', 'byte', 'case', 'catch', 'char', 'class', 'const',
  'continue', 'default', 'do', 'double', 'else', 'enum', 'extends', 'final', 'finally', 'float', 'for',
  'goto', 'if', 'implements', 'import', 'instanceof', 'int', 'interface', 'long', 'native', 'new',
  'package', 'private', 'protected', 'public', 'return', 'short', 'static', 'strictfp', 'super',
  'switch', 'synchronized', 'this', 'throw', 'throws', 'transient', 'try', 'void', 'volatile',
  'while', 'true', 'false', 'null', 'var', 'record', 'yield', 'sealed', 'permits', '_',
  // Methods of every object, of every generated message class, and ClientBase.call.
  'getClass', 'hashCode', 'equals', 'toString', 'wait', 'notify', 'notifyAll', 'clone', 'finalize',
  'check', 'toMsgpack', 'fromMsgpack', 'call',
]);

const ULONG_NOTE = "IDL ulong: Java has no unsigned 64-bit type, so this long holds its 64 bits (values from 2^63 up read as negative; Long.toUnsignedString shows them).";

/** An IDL name as a Java identifier in camelCase (`similar_row_from_id` → `similarRowFromId`). */
export function javaMethod(name: string): string {
  return escapeName(camelCase(name), JAVA_RESERVED);
}

/** A field or parameter name: the IDL name, escaped (`default` → `default_`). */
export function javaField(name: string): string {
  return escapeName(name, JAVA_RESERVED);
}

interface JType {
  /** The Java type (primitive where one exists). */
  java: string;
  /** The boxed form, for generics and nullables. */
  boxed: string;
  /** The runtime TType expression. */
  tt: string;
}

function jType(model: ClientModel, t: IdlType): JType {
  const p = (java: string, boxed: string, tt: string): JType => ({ java, boxed, tt });
  return foldType<JType>(model, t, {
    primitive: (n) => {
      switch (n) {
        case 'byte': return p('byte', 'Byte', 'TByte.BYTE');
        case 'short': return p('short', 'Short', 'TShort.SHORT');
        case 'int': return p('int', 'Integer', 'TInt.INT');
        case 'long': return p('long', 'Long', 'TLong.LONG');
        case 'ubyte': return p('short', 'Short', 'TShort.UBYTE');
        case 'ushort': return p('int', 'Integer', 'TInt.USHORT');
        case 'uint': return p('long', 'Long', 'TLong.UINT');
        case 'ulong': return p('long', 'Long', 'TLong.ULONG');
        case 'float': return p('float', 'Float', 'TFloat.instance');
        case 'double': return p('double', 'Double', 'TDouble.instance');
        case 'bool': return p('boolean', 'Boolean', 'TBool.instance');
        case 'string': return p('String', 'String', 'TString.instance');
        case 'raw': return p('byte[]', 'byte[]', 'TRaw.instance');
        case 'datum': return p('Datum', 'Datum', 'TDatum.instance');
        default: return p('Value', 'Value', 'TObject.instance');
      }
    },
    list: (e) => p(`List<${e.boxed}>`, `List<${e.boxed}>`, `new TList<${e.boxed}>(${e.tt})`),
    map: (k, v) => p(`Map<${k.boxed}, ${v.boxed}>`, `Map<${k.boxed}, ${v.boxed}>`, `new TMap<${k.boxed}, ${v.boxed}>(${k.tt}, ${v.tt})`),
    nullable: (i) => p(i.boxed, i.boxed, `new TNullable<${i.boxed}>(${i.tt})`),
    message: (d) => {
      const n = pascalCase(d.name);
      return p(n, n, `new TUserDef<${n}>(${n}.class, ${n}::fromMsgpack)`);
    },
    enumeration: () => p('int', 'Integer', 'TInt.INT'),
  });
}

/** Whether `t` mentions ulong anywhere (for the comment next to it). */
function mentionsUlong(model: ClientModel, t: IdlType): boolean {
  return foldType<boolean>(model, t, {
    primitive: (n) => n === 'ulong',
    list: (e) => e,
    map: (k, v) => k || v,
    nullable: (i) => i,
    message: () => false,
    enumeration: () => false,
  });
}

function javadoc(lines: readonly string[], indent: string): string {
  if (lines.length === 0) return '';
  const safe = lines.map((l) => l.trimEnd().replace(/\*\//g, '*&#47;').replace(/@/g, '{@literal @}'));
  return `${indent}/**\n${safe.map((l) => `${indent} *${l ? ` ${l}` : ''}`).join('\n')}\n${indent} */\n`;
}

function header(source: string, what: string): string {
  return `// ${what} generated by juba gen from ${source}. Do not edit: change the IDL and run juba gen again.\n`;
}

const IMPORTS = 'import java.io.IOException;\nimport java.util.List;\nimport java.util.Map;\n\n' +
  'import org.msgpack.core.MessageBufferPacker;\nimport org.msgpack.core.MessagePack;\nimport org.msgpack.core.MessagePacker;\n' +
  'import org.msgpack.core.MessageUnpacker;\nimport org.msgpack.value.Value;\n\n' +
  'import us.jubat.common.ClientBase;\nimport us.jubat.common.Datum;\nimport us.jubat.common.RPCError;\nimport us.jubat.common.UserDefinedMessage;\n' +
  'import us.jubat.common.type.*;\n';

function messageFile(model: ClientModel, pkg: string, m: MessageDecl): string {
  const cls = pascalCase(m.name);
  const fields = m.fields.map((f) => ({ name: javaField(f.name), t: jType(model, f.type), ulong: mentionsUlong(model, f.type) }));
  const decls = fields.map((f) => `${f.ulong ? `  /** ${ULONG_NOTE} */\n` : ''}  public ${f.t.java} ${f.name};\n`).join('');
  const ctor = fields.length
    ? `\n  public ${cls}(${fields.map((f) => `${f.t.java} ${f.name}`).join(', ')}) {\n${fields.map((f) => `    this.${f.name} = ${f.name};\n`).join('')}  }\n`
    : '';
  const reads = fields.map((f, i) => `${f.t.tt}.revert(a.get(${i}))`);
  return `${header(model.source, 'Message')}package ${pkg};\n\n${IMPORTS}\n` +
    `/** IDL message ${m.name}: travels as an array in field order (${m.fields.map((f) => f.name).join(', ') || 'no fields'}). */\n` +
    `@SuppressWarnings("unused")\npublic class ${cls} implements UserDefinedMessage {\n${decls}\n  public ${cls}() {\n  }\n${ctor}\n` +
    `  /** Checks every field against its IDL type (IllegalArgumentException if one does not fit). */\n` +
    `  @Override\n  public void check() {\n${fields.map((f) => `    ${f.t.tt}.check(${f.name});\n`).join('')}  }\n\n` +
    `  @Override\n  public void toMsgpack(MessagePacker pk) throws IOException {\n    pk.packArrayHeader(${fields.length});\n` +
    fields.map((f) => `    ${f.t.tt}.pack(pk, ${f.name});\n`).join('') + '  }\n\n' +
    `  /** The message as it travels. */\n  public byte[] toMsgpack() {\n    try (MessageBufferPacker pk = MessagePack.newDefaultBufferPacker()) {\n` +
    `      check();\n      toMsgpack(pk);\n      return pk.toByteArray();\n    } catch (IOException e) {\n      throw new RPCError(e.getMessage(), e);\n    }\n  }\n\n` +
    `  public static ${cls} fromMsgpack(Value v) {\n    List<Value> a = TUserDef.tuple(v, ${fields.length});\n    return new ${cls}(${reads.join(', ')});\n  }\n\n` +
    `  public static ${cls} fromMsgpack(byte[] b) {\n    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(b)) {\n      return fromMsgpack(u.unpackValue());\n` +
    `    } catch (IOException e) {\n      throw new RPCError(e.getMessage(), e);\n    }\n  }\n\n` +
    `  @Override\n  public boolean equals(Object o) {\n    return o instanceof ${cls} && java.util.Arrays.equals(toMsgpack(), ((${cls}) o).toMsgpack());\n  }\n\n` +
    `  @Override\n  public int hashCode() {\n    return java.util.Arrays.hashCode(toMsgpack());\n  }\n\n` +
    `  @Override\n  public String toString() {\n    return "${m.name}{"${fields.map((f, i) => ` + "${i ? ', ' : ''}${f.name}: " + ${f.t.java === 'byte[]' ? `java.util.Arrays.toString(${f.name})` : f.name}`).join('')} + "}";\n  }\n}\n`;
}

function enumFile(model: ClientModel, pkg: string, e: ClientModel['enums'][number]): string {
  const cls = pascalCase(e.name);
  return `${header(model.source, 'Enum')}package ${pkg};\n\n/** IDL enum ${e.name}; it travels as its number (an int). */\npublic final class ${cls} {\n` +
    e.values.map((v) => `  public static final int ${javaField(v.name.toUpperCase())} = ${v.value};\n`).join('') +
    `\n  private ${cls}() {\n  }\n}\n`;
}

function method(model: ClientModel, m: MethodDecl): string {
  const params = m.params.map((p) => ({ name: javaField(p.name), t: jType(model, p.type), ulong: mentionsUlong(model, p.type) }));
  const rt = m.returnType ? jType(model, m.returnType) : { java: 'void', boxed: 'Void', tt: 'TVoid.instance' };
  const notes = [...(m.returnType && mentionsUlong(model, m.returnType) ? [ULONG_NOTE] : []), ...(params.some((p) => p.ulong) ? [ULONG_NOTE] : [])];
  const doc = [
    ...m.doc,
    ...(m.routing.kind === 'internal' ? [...(m.doc.length ? [''] : []), 'Internal: servers answer it, proxies do not route it.'] : []),
    ...(notes.length ? [...(m.doc.length ? [''] : []), notes[0]!] : []),
  ];
  const call = `call("${m.name}", ${rt.tt}, new Object[] {${params.map((p) => p.name).join(', ')}}${params.map((p) => `, ${p.t.tt}`).join('')})`;
  return `${javadoc(doc, '  ')}  public ${rt.java} ${javaMethod(m.name)}(${params.map((p) => `${p.t.java} ${p.name}`).join(', ')}) {\n` +
    `    ${m.returnType ? 'return ' : ''}${call};\n  }\n`;
}

function clientFile(model: ClientModel, s: ServiceModel, pkg: string): string {
  const cls = `${pascalCase(s.name)}Client`;
  return `${header(model.source, 'Client')}package ${pkg};\n\n${IMPORTS}\n` +
    `/**\n * Client of service ${s.name}: new ${cls}(host, port, name, timeoutSec). Every call sends the\n` +
    ` * cluster name first; getConfig, getStatus, save, load, doMix, getProxyStatus, getName and\n * setName come from ClientBase.\n */\n` +
    `@SuppressWarnings("unused")\npublic class ${cls} extends ClientBase {\n` +
    `  public ${cls}(String host, int port, String name, int timeoutSec) {\n    super(host, port, name, timeoutSec);\n  }\n` +
    s.methods.map((m) => `\n${method(model, m)}`).join('') + '}\n';
}

function parentPackage(opts: GenOptions): string {
  const pkg = opts.package ?? 'us.jubat';
  if (!/^[a-z_][A-Za-z0-9_]*(\.[a-z_][A-Za-z0-9_]*)*$/.test(pkg) || pkg.split('.').some((p) => JAVA_RESERVED.has(p))) {
    throw new JubaError(`invalid Java package name '${pkg}'`, { code: 'usage', hint: 'use a dotted lowercase package, e.g. --package com.example.jubatus' });
  }
  return pkg;
}

export const javaEmitter: Emitter = {
  lossy: { ulong: 'using long with its 64 bits (values from 2^63 up read as negative); the generated code says so where it is used' },
  emit(model: ClientModel, opts: GenOptions): GeneratedFile[] {
    checkMethodNames(model, 'Java', javaMethod);
    const parent = parentPackage(opts);
    const files: GeneratedFile[] = [];
    const file = (path: string, text: string): void => void files.push({ path, text, userOwned: false });
    for (const s of model.services) {
      const pkg = `${parent}.${s.name}`;
      const dir = pkg.split('.').join('/');
      for (const e of model.enums) file(`${dir}/${pascalCase(e.name)}.java`, enumFile(model, pkg, e));
      for (const m of model.messages) file(`${dir}/${pascalCase(m.name)}.java`, messageFile(model, pkg, m));
      file(`${dir}/${pascalCase(s.name)}Client.java`, clientFile(model, s, pkg));
    }
    if (opts.runtime) {
      const rt = '// The runtime of clients generated by juba gen. Do not edit: run juba gen again.\n';
      for (const f of JAVA_RUNTIME) file(f.path, rt + f.text);
    }
    return files;
  },
};
