import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engineTypes } from '../../src/engine/registry.js';
import { engineTypesFile } from '../../src/engine/service-types-file.js';

describe('each shipped engine implements the interface generated from its IDL', () => {
  for (const type of engineTypes()) {
    it(`${type}: src/engine/${type}/service-types.ts is what juba gen writes from idl/${type}.idl`, () => {
      const { path, text } = engineTypesFile(type);
      // Stale after an IDL change: run `npx tsx scripts/gen-engine-types.ts`.
      expect(readFileSync(path, 'utf8')).toBe(text);
    });
  }
});
