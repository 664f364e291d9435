/** Every shipped engine's presets fit its IDL: the tools can use them without engine-specific code. */
import { describe, expect, it } from 'vitest';
import { compileArgs, hasPlaceholder } from '../../src/control/bench-args.js';
import { engineFactory, engineTypes } from '../../src/engine/registry.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { createMapper } from '../../src/stream/feed.js';

describe('engine presets', () => {
  it('cover classifier, regression and nearest_neighbor', () => {
    expect(engineTypes()).toEqual(expect.arrayContaining(['classifier', 'nearest_neighbor', 'regression']));
  });

  for (const type of engineTypes()) {
    const { presets } = engineFactory(type);
    const desc = loadEngineDescriptor(type);

    it(`${type}: the feed preset maps its example message to an update method`, () => {
      const m = desc.methods.get(presets.feed.method);
      expect(m?.lock).toBe('update');
      const args = createMapper(desc, presets.feed.method, presets.feed.wrap)(presets.feed.example);
      expect(args).toHaveLength(m!.params.length);
      if (presets.feed.wrap) expect((args[0] as unknown[]).length).toBe(1);
    });

    it(`${type}: the bench preset is a typed call of an analysis method`, () => {
      const m = desc.methods.get(presets.bench.method)!;
      expect(m).toBeDefined();
      expect(m.lock).not.toBe('update');
      const next = compileArgs(desc, m, presets.bench.args, () => 'some-id');
      expect(next()).toHaveLength(m.params.length);
      if (hasPlaceholder(presets.bench.args)) expect(desc.methods.has('get_all_rows')).toBe(true);
    });

    it(`${type}: the size preset names status keys and a column title`, () => {
      expect(presets.size.keys.length).toBeGreaterThan(0);
      expect(presets.size.label).toMatch(/^[A-Z]+$/);
    });
  }
});

describe('feed mapping with wrap', () => {
  it('turns [label, datum] into train([[label, datum]])', () => {
    const desc = loadEngineDescriptor('classifier');
    const args = createMapper(desc, 'train', true)('["sports", {"text": "goal", "x": 1}]');
    expect(args).toEqual([[['sports', { stringValues: [['text', 'goal']], numValues: [['x', 1]], binaryValues: [] }]]]);
  });

  it('reports a message of the wrong shape as poison', () => {
    const desc = loadEngineDescriptor('regression');
    expect(() => createMapper(desc, 'train', true)('["high", {"x": 1}]')).toThrow(/score/);
  });
});
