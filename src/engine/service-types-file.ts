/** Where a shipped engine's generated service interface lives, and its expected text. */
import { generateEngineTypes } from '../idl/codegen-ts.js';
import { engineIdlPath } from '../idl/descriptor.js';
import { loadIdl } from '../idl/parser.js';

export function engineTypesFile(type: string): { path: string; text: string } {
  return {
    path: `src/engine/${type}/service-types.ts`,
    text: generateEngineTypes(loadIdl(engineIdlPath(type)), `idl/${type}.idl`),
  };
}
