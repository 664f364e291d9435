/**
 * Every config juba ships under config/<engine>/ starts its engine: parsed as `juba serve -f`
 * parses it, then validated and built by the engine's factory. A classifier or regression
 * method fails here until its driver is registered (engine/<type>/methods.ts), on purpose:
 * a shipped example must never name a method juba cannot run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineFactory } from '../../src/engine/registry.js';
import { parseJsonText } from '../../src/server/json-config.js';

const CONFIG_DIR = path.join(import.meta.dirname, '../../config');

const shipped = readdirSync(CONFIG_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(path.join(CONFIG_DIR, d.name))
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ type: d.name, file: f })))
  .sort((a, b) => `${a.type}/${a.file}`.localeCompare(`${b.type}/${b.file}`));

describe('shipped example configs', () => {
  it('exist for classifier, regression, weight and nearest_neighbor', () => {
    const types = new Set(shipped.map((s) => s.type));
    for (const t of ['classifier', 'nearest_neighbor', 'regression', 'weight']) expect(types).toContain(t);
  });

  for (const { type, file } of shipped) {
    it(`${type}/${file} builds its engine`, () => {
      const rel = `config/${type}/${file}`;
      const config = parseJsonText(readFileSync(path.join(CONFIG_DIR, type, file), 'utf8'), rel);
      const engine = engineFactory(type).create(config, { owner: 'x_1' });
      expect(engine.type).toBe(type);
    });
  }
});
