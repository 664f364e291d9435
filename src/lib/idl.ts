/**
 * `juba/idl`: the Jubatus IDL parser and the code generators `juba gen` runs.
 *
 *   const idl = parseIdl(fs.readFileSync('my.idl', 'utf8'), 'my.idl');
 *   const files = generateFiles(idl, { lang: 'python', source: 'my.idl', skeleton: false });
 *
 * `loadIdl` follows `#include`s from a file; `buildDescriptor` gives what servers, proxies and
 * clients use (methods with routing, locks, aggregators, and the types they carry).
 */
export { IdlError, loadIdl, parseIdl, validateTypes, type LoadIdlOptions } from '../idl/parser.js';
export { buildDescriptor, engineIdlPath, loadEngineDescriptor } from '../idl/descriptor.js';
export { GEN_LANGUAGES, generate, generateFiles, type GenFilesRequest, type GenRequest, type GenResult } from '../idl/codegen.js';
export type { GeneratedFile } from '../idl/codegen-model.js';
export type * from '../idl/types.js';
