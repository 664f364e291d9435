/**
 * Writes `src/engine/<type>/service-types.ts` for every shipped engine from `idl/<type>.idl`:
 * the service interface its implementation `implements`. Run after changing an IDL:
 * `npx tsx scripts/gen-engine-types.ts [type…]` (test/unit/engine-types.test.ts checks they are current).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { engineTypes } from '../src/engine/registry.js';
import { engineTypesFile } from '../src/engine/service-types-file.js';

// Registered engines, plus any named on the command line (an engine being written).
for (const type of new Set([...engineTypes(), ...process.argv.slice(2)])) {
  const { path, text } = engineTypesFile(type);
  writeFileSync(join(process.cwd(), path), text);
  console.log(`wrote ${path}`);
}
