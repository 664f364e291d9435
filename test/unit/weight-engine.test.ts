import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decode, decodeMulti } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import type { Datum } from '../../src/engine/datum.js';
import { compareUtf8, sortAndMerge } from '../../src/engine/fv/sort-merge.js';
import { engineFactory } from '../../src/engine/registry.js';
import { WeightEngine, weightFactory } from '../../src/engine/weight/service.js';
import { ConfigError } from '../../src/errors.js';
import { decodeOne, MsgpackError, MsgReader } from '../../src/msgpack/reader.js';
import { bytes } from '../harness/msgpack.js';

const REF = path.join(import.meta.dirname, '../fixtures/reference/engines');

const datum = (s: Array<[string, string]>, n: Array<[string, number]> = []): Datum => ({ stringValues: s, numValues: n, binaryValues: [] });
const engine = (converter: unknown): WeightEngine => weightFactory.create({ converter }, { owner: '127.0.0.1_9199' });
const tfBin = { string_rules: [{ key: '*', type: 'space', sample_weight: 'tf', global_weight: 'bin' }], num_rules: [{ key: '*', type: 'num' }] };
const tfIdf = { string_rules: [{ key: '*', type: 'space', sample_weight: 'tf', global_weight: 'idf' }] };

describe('weight engine: update / calc_weight (spec §15)', () => {
  it('answers features sorted by key, duplicate keys summed', () => {
    const e = engine(tfBin);
    const d = datum([['body', 'b a a'], ['body', 'a'], ['abc', 'z']], [['zz', 2], ['aa', 0.5], ['zz', 1]]);
    const want = [['aa@num', 0.5], ['abc$z@space#tf/bin', 1], ['body$a@space#tf/bin', 3], ['body$b@space#tf/bin', 1], ['zz@num', 3]];
    expect(e.update(d)).toEqual(want);
    expect(e.calc_weight(d)).toEqual(want);
    expect(e.calc_weight(datum([]))).toEqual([]);
  });

  it('sorts keys in UTF-8 byte order, as std::string does', () => {
    expect(compareUtf8('\uffff', '\u{10000}')).toBeLessThan(0);
    expect(compareUtf8('a', 'ab')).toBeLessThan(0);
    expect(compareUtf8('b', 'a')).toBeGreaterThan(0);
    const fv = sortAndMerge({ keys: ['\u{10000}', '\uffff', 'A', '\uffff'], values: [1, 2, 3, 4] });
    expect(fv).toEqual({ keys: ['A', '\uffff', '\u{10000}'], values: [3, 6, 1] });
  });

  it('update counts the document first, so idf features of the first document are 0 and dropped', () => {
    const e = engine(tfIdf);
    expect(e.update(datum([['body', 'x y']]))).toEqual([]);
    // N = 2: x is in both documents (ln 3/3 = 0, dropped), z in one (ln 3/2).
    expect(e.update(datum([['body', 'x z z']]))).toEqual([['body$z@space#tf/idf', 2 * Math.log(3 / 2)]]);
  });

  it('calc_weight reads the statistics without counting the datum', () => {
    const e = engine(tfIdf);
    e.update(datum([['body', 'x']]));
    const before = e.status();
    const first = e.calc_weight(datum([['body', 'y x']]));
    expect(first).toEqual([['body$y@space#tf/idf', Math.log(2)]]);
    expect(e.calc_weight(datum([['body', 'y x']]))).toEqual(first);
    expect(e.status()).toEqual(before);
    expect(before.diff_document_count).toBe('1');
  });

  it('clear forgets the statistics; status has the weight manager keys of 1.1.1', () => {
    const e = engine(tfIdf);
    e.update(datum([['body', 'x']]));
    e.update(datum([['body', 'y']]));
    expect(e.calc_weight(datum([['body', 'x']]))).toEqual([['body$x@space#tf/idf', Math.log(3 / 2)]]);
    expect(e.clear()).toBe(true);
    expect(e.calc_weight(datum([['body', 'x']]))).toEqual([]);
    expect(e.status()).toEqual({
      diff_document_count: '0', diff_num_document_frequencies: '0', diff_num_group_frequencies: '0',
      diff_num_group_total_lengths: '0', diff_num_weights: '0',
      master_document_count: '0', master_num_document_frequencies: '0', master_num_group_frequencies: '0',
      master_num_group_total_lengths: '0', master_num_weights: '0', weight_manager_version: '0',
    });
  });

  it("refuses a '$' in a matched datum key, changing nothing", () => {
    const e = engine(tfBin);
    expect(() => e.update(datum([], [['a$b', 1]]))).toThrow("feature key cannot contain '$': a$b");
    expect(e.status().diff_document_count).toBe('0');
  });
});

describe('weight engine config', () => {
  it('is registered under weight and jubaweight', () => {
    expect(engineFactory('weight')).toBe(weightFactory);
    expect(engineFactory('jubaweight')).toBe(weightFactory);
    expect(weightFactory.presets.feed.method).toBe('update');
  });

  it('takes {converter} only: unknown keys, a missing or bad converter are named', () => {
    const create = (c: unknown) => () => weightFactory.create(c, { owner: 'x_1' });
    expect(create({ converter: tfBin, method: 'x' })).toThrow(ConfigError);
    expect(create({ converter: tfBin, method: 'x' })).toThrow(/^method: unknown key/);
    expect(create({ converter: tfBin, parameter: {} })).toThrow(/^parameter: unknown key/);
    expect(create({})).toThrow('converter: required key is missing');
    expect(create({ converter: null })).toThrow('converter: required key is missing');
    expect(create([])).toThrow(ConfigError);
    expect(create({ converter: { string_rulez: [] } })).toThrow(/^converter\.string_rulez: unknown key/);
    expect(create({ converter: { string_rules: [{ key: '*', type: 'space', sample_weight: 'tf', global_weight: 'nope' }] } }))
      .toThrow(ConfigError);
  });
});

/** The two msgpack objects after the 48-byte header: system data, then `[user_data_version, model]`. */
function userDataOf(file: string): { version: number; model: ReturnType<typeof decodeOne> } {
  const buf = readFileSync(file);
  const r = new MsgReader(buf, 48);
  r.read();
  const user = r.read() as [number, ReturnType<typeof decodeOne>];
  return { version: user[0], model: user[1] };
}

describe('weight engine model (1.1.1 layout: [[version], diff, master] in a one-element list)', () => {
  it('packs and unpacks to the same statistics and answers', () => {
    const a = engine({ ...tfIdf, string_rules: [...tfIdf.string_rules, { key: 't', type: 'space', sample_weight: 'log_tf', global_weight: 'bm25' }] });
    for (const body of ['a b', 'b c', 'c d d']) a.update(datum([['body', body], ['t', body]]));
    const b = engine({ ...tfIdf, string_rules: [...tfIdf.string_rules, { key: 't', type: 'space', sample_weight: 'log_tf', global_weight: 'bm25' }] });
    b.unpackModel(decodeOne(bytes((w) => a.packModel(w))));
    const q = datum([['body', 'a d e'], ['t', 'a d']]);
    expect(b.calc_weight(q)).toEqual(a.calc_weight(q));
    expect(b.status()).toEqual(a.status());
    expect(decode(bytes((w) => b.packModel(w)))).toEqual(decode(bytes((w) => a.packModel(w))));
  });

  it('loads the model 1.1.1 saved, answers its final call, and packs it back the same', () => {
    const s = JSON.parse(readFileSync(path.join(REF, 'weight-default.seed2.json'), 'utf8')) as {
      calls: Array<{ method: string; args: unknown[]; result: unknown }>;
    };
    const config = JSON.parse(s.calls[0]!.result as string) as { converter: unknown };
    const e = engine(config.converter);
    const file = path.join(REF, 'weight-default.seed2.jubatus');
    const { version, model } = userDataOf(file);
    expect(version).toBe(e.userDataVersion);
    e.unpackModel(model);
    expect(e.status().diff_document_count).toBe('10');
    const last = s.calls.filter((c) => c.method === 'calc_weight').at(-1)!;
    const [[sv, nv]] = last.args as [[Array<[string, string]>, Array<[string, number]>]];
    const got = e.calc_weight(datum(sv, nv));
    const want = last.result as Array<[string, number]>;
    expect(got.map((f) => f[0])).toEqual(want.map((f) => f[0]));
    got.forEach((f, i) => expect(f[1]).toBeCloseTo(want[i]![1], 12));
    const theirs = [...decodeMulti(readFileSync(file).subarray(48))][1] as [number, unknown];
    expect(decode(bytes((w) => e.packModel(w)))).toEqual(theirs[1]);
  });

  it('refuses a malformed model and keeps its own', () => {
    const e = engine(tfIdf);
    e.update(datum([['body', 'x']]));
    expect(() => e.unpackModel(decodeOne(bytes((w) => w.arrayHeader(0))))).toThrow(MsgpackError);
    expect(() => e.unpackModel(decodeOne(bytes((w) => { w.arrayHeader(1); w.int(3); })))).toThrow(MsgpackError);
    expect(e.status().diff_document_count).toBe('1');
  });
});

describe('weight engine MIX: the weight manager is its one linear mixable', () => {
  it('after a round both servers answer calc_weight as one server that saw every document', () => {
    const [a, b, all] = [engine(tfIdf), engine(tfIdf), engine(tfIdf)];
    for (const body of ['x y', 'y z']) {
      a.update(datum([['body', body]]));
      all.update(datum([['body', body]]));
    }
    for (const body of ['z w', 'w w v', 'x']) {
      b.update(datum([['body', body]]));
      all.update(datum([['body', body]]));
    }
    const q = datum([['body', 'x y z w v u']]);
    expect(a.calc_weight(q)).not.toEqual(b.calc_weight(q));

    // What linear_mixer does: get_diff on each, fold on the master, put_diff of the fold to each.
    const la = a.linearMixable();
    const lb = b.linearMixable();
    const da = la.unpackDiff(decodeOne(bytes((w) => la.packDiff(w))));
    const db = lb.unpackDiff(decodeOne(bytes((w) => lb.packDiff(w))));
    const mixed = bytes((w) => la.writeDiff(w, la.mixDiff(da, db)));
    expect(la.putDiff(la.unpackDiff(decodeOne(mixed)))).toBe(true);
    expect(lb.putDiff(lb.unpackDiff(decodeOne(mixed)))).toBe(true);

    expect(a.calc_weight(q)).toEqual(b.calc_weight(q));
    const want = all.calc_weight(q);
    expect(a.calc_weight(q).map((f) => f[0])).toEqual(want.map((f) => f[0]));
    a.calc_weight(q).forEach((f, i) => expect(f[1]).toBeCloseTo(want[i]![1], 12));
    expect(a.status()).toMatchObject({ master_document_count: '5', diff_document_count: '0', weight_manager_version: '1' });
    expect(b.status()).toEqual(a.status());
    // A diff built for the old version is obsolete now.
    expect(la.putDiff(la.unpackDiff(decodeOne(mixed)))).toBe(false);
  });

  it('has no push mixable', () => {
    expect((engine(tfIdf) as { pushMixable?: unknown }).pushMixable).toBeUndefined();
  });
});
