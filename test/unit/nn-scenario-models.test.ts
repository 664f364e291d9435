/**
 * The model juba saves after a reference scenario equals the one 1.1.1 saved (engine spec §6.4,
 * §7): the scenario's updates run in-process on the engine, then both models are compared field
 * for field with row ids replaced by `<label>#<row>` (1.1.1 draws the random part of each id
 * from a clock-seeded generator, so only the label and the row position are reproducible).
 */
import { describe, expect, it } from 'vitest';
import { decodeOne, type MsgValue } from '../../src/msgpack/reader.js';
import { MsgWriter } from '../../src/msgpack/writer.js';
import { labelOfRowId } from '../../src/engine/common/row-id.js';
import type { Datum } from '../../src/engine/datum.js';
import { engineFactory } from '../../src/engine/registry.js';
import { fixtureModel } from '../harness/model-fixture.js';
import { configOf, loadScenario, plain } from '../harness/reference.js';

type Json = unknown;

function datum(j: Json): Datum {
  const [s, n, b] = j as [Array<[string, string]>, Array<[string, number]>, Array<[string, string]>];
  return { stringValues: s, numValues: n, binaryValues: b.map(([k, v]) => [k, new TextEncoder().encode(v)]) };
}

/** Row id → `<label>#<row>` (classifier) or `#<row>` (regression), by the position in `ids`. */
function idMap(ids: string[], classifier: boolean): Map<string, string> {
  return new Map(ids.map((id, i) => [id, `${classifier ? labelOfRowId(id) : ''}#${i}`]));
}

function canon(v: Json, ids: Map<string, string>): Json {
  if (typeof v === 'string') return ids.get(v) ?? v;
  if (Array.isArray(v)) return v.map((x) => canon(x, ids));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [ids.get(k) ?? k, canon(x, ids)]));
  return v;
}

/** The row ids of a model in row order: the NN table's or values table's keys, else the index's key2id order. */
function rowIds(model: Json): string[] {
  const first = (model as Json[])[0] as Json[];
  const tables = first.filter((p) => Array.isArray(p) && p.length === 6) as Json[][];
  const table = tables[tables.length - 1];
  if (table) return table[0] as string[];
  const keys = ((first[0] as Json[])[4] as Json[])[0] as Record<string, number>;
  return Object.entries(keys).sort((a, b) => a[1] - b[1]).map(([k]) => k);
}

for (const name of ['classifier-NN', 'classifier-cosine', 'classifier-euclidean', 'regression-NN', 'regression-cosine', 'regression-euclidean']) {
  describe(name, () => {
    it('saves the model 1.1.1 saved after the same updates (rows compared by label and position)', () => {
      const s = loadScenario(name);
      const engine = engineFactory(s.engine).create(JSON.parse(configOf(s)), { owner: '' }) as unknown as Record<string, (...a: unknown[]) => unknown>;
      for (const c of s.calls) {
        if (c.error === 2) continue; // arguments that do not decode never reach the engine
        const args = c.method === 'train'
          ? [(c.args[0] as Array<[Json, Json]>).map(([y, dj]) => [y, datum(dj)])]
          : c.args;
        if (!['train', 'set_label', 'delete_label', 'clear'].includes(c.method)) continue;
        if (c.error !== undefined) expect(() => engine[c.method]!(...args)).toThrow(String(c.error));
        else engine[c.method]!(...args);
      }
      const w = new MsgWriter();
      (engine as unknown as { packModel(w: MsgWriter): void }).packModel(w);
      const ours = plain(decodeOne(w.toBytes()));
      const theirs = plain(fixtureModel(name) as MsgValue);
      const classifier = s.engine === 'classifier';
      expect(canon(ours, idMap(rowIds(ours), classifier))).toEqual(canon(theirs, idMap(rowIds(theirs), classifier)));
    });
  });
}
