/**
 * Every reference scenario of every engine juba serves, replayed against `juba serve`: the
 * calls 1.1.1 answered, in order, must get 1.1.1's answers; and a server started on the model
 * file 1.1.1 saved at the end (`-m`) must answer the analysis calls that followed the last
 * update the same way. Per-scenario exceptions are listed (with why) in REPLAY_OPTIONS.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engineTypes } from '../../src/engine/registry.js';
import { killStarted } from '../harness/processes.js';
import {
  allCalls, callsAfterLastUpdate, loadScenario, modelFileOf, plain, RawClient, replay, scenarioNames, serveScenario, type ReplayOptions,
} from '../harness/reference.js';
import { REPLAY_OPTIONS } from './reference-options.js';

afterAll(() => killStarted());

for (const engine of engineTypes()) {
  const names = scenarioNames(engine);
  if (names.length === 0) continue;
  describe(`${engine}: 1.1.1 reference scenarios`, () => {
    for (const name of names) {
      const opts: ReplayOptions = REPLAY_OPTIONS[name] ?? {};
      it(`${name}: every call answers as 1.1.1`, async () => {
        const s = loadScenario(name);
        const { p, port } = await serveScenario(s);
        try {
          expect(await replay(port, allCalls(s), opts)).toEqual([]);
        } finally {
          await p.stop();
        }
      }, 60_000);

      it(`${name}: 1.1.1's model file loads (-m) and answers the final calls the same`, async () => {
        const s = loadScenario(name);
        const { p, port } = await serveScenario(s, modelFileOf(name));
        try {
          const after = callsAfterLastUpdate(s);
          expect(after.length).toBeGreaterThan(0);
          expect(await replay(port, after, opts)).toEqual([]);
        } finally {
          await p.stop();
        }
      }, 60_000);
    }
  });
}

describe('a model file of another method or engine is refused, and the model stays', () => {
  it('classifier AROW refuses 1.1.1\'s PA model (config) and its regression model (type)', async () => {
    const s = loadScenario('classifier-AROW');
    const { p, port, dir } = await serveScenario(s);
    const client = await RawClient.connect(port);
    try {
      expect((await client.call('train', [[['sports', [[['body', 'goal team']], [], []]]]])).error).toBeNull();
      const before = plain((await client.call('get_labels', [])).result);
      const file = (id: string): string => path.join(dir, `127.0.0.1_${port}_classifier_${id}.jubatus`);
      fs.copyFileSync(modelFileOf('classifier-PA'), file('other_method'));
      fs.copyFileSync(modelFileOf('regression-PA'), file('other_engine'));
      const method = await client.call('load', ['other_method']);
      expect(plain(method.error)).toMatch(/^server config mismatched: /);
      const engine = await client.call('load', ['other_engine']);
      expect(plain(engine.error)).toBe('server type mismatched: regression, expected classifier');
      expect(plain((await client.call('get_labels', [])).result)).toEqual(before);
    } finally {
      client.close();
      await p.stop();
    }
  }, 60_000);
});
