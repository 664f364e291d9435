/**
 * The linear-model storage (engine spec §5.3): libstdc++'s hash and map order (checked against
 * vectors a g++ build printed), 1.1.1's get_diff bytes (jubatus-mix-payloads.md, vendored in
 * fixtures/reference/linear-mix-payloads.json), the count-weighted fold, put_diff's version
 * check, and 1.1.1's model files read and written back.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifierFactory, type ClassifierEngine } from '../../src/engine/classifier/service.js';
import type { Datum, FeatureVector } from '../../src/engine/datum.js';
import type { LinearMixable } from '../../src/engine/engine.js';
import { FeatureTable } from '../../src/engine/linear/feature-table.js';
import { OrderedKeys } from '../../src/engine/common/small-order.js';
import { stdStringHash } from '../../src/engine/common/std-hash.js';
import { mixDiffs, putDiff, readDiff, writeDiff, type StorageDiff } from '../../src/engine/linear/storage-mix.js';
import { LinearStorage } from '../../src/engine/linear/storage.js';
import { regressionFactory, type RegressionEngine } from '../../src/engine/regression/service.js';
import { decodeOne, MsgReader } from '../../src/msgpack/reader.js';
import { fixtureModel } from '../harness/model-fixture.js';
import { loadScenario, plain, REFERENCE_DIR } from '../harness/reference.js';
import { bytes } from '../harness/msgpack.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('libstdc++ hashing and map order', () => {
  it('hashes strings as std::hash<std::string> (values a g++ build printed)', () => {
    const vectors: Array<[string, bigint]> = [
      ['', 6142509188972423790n],
      ['a', 4993892634952068459n],
      ['science', 16382998313723450924n],
      ['body$referee@space#tf/bin', 3144300053647213479n],
      ['日本語テキスト', 7733932408925591346n],
      ['12345678', 10113836418918046885n],
      ['123456789', 12315982496267331008n],
    ];
    for (const [s, h] of vectors) {
      const out: [number, number] = [0, 0];
      stdStringHash(s, out);
      expect((BigInt(out[0]) << 32n) | BigInt(out[1]), s).toBe(h);
    }
  });

  it('iterates like unordered_map<string, …>(10) through inserts, erases and rehashes', () => {
    let x = 12345;
    const step = (): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    const key = (v: number): string => `k${(v >>> 8) % 1000}$x@num`;
    const t = new FeatureTable();
    for (let i = 0; i < 120; i++) {
      t.row(key(step()));
      if (i % 7 === 3) {
        const r = t.get(key(step()));
        if (r) t.erase(r);
      }
    }
    // g++ 12 printed this order for the same calls (bucket count 199).
    const expected =
      '384 781 959 555 187 285 256 112 815 574 192 511 20 984 961 664 361 934 506 542 718 911 735 514 734 ' +
      '140 57 948 686 291 79 579 421 173 530 497 475 13 315 739 634 618 375 448 833 681 575 936 40 376 438 ' +
      '78 701 889 283 211 373 642 487 623 508 326 669 110 656 622 18 588 746 235 788 458 336 199 726 294 ' +
      '933 690 553 195 650 640 219 43 474 823 808 601 34 310 105 429 965 32 408 979 540 541 388 529 28 828 ' +
      '990 830 98 270 764 893 638 962 997 844 598';
    expect(t.buckets).toBe(199);
    expect([...t].map((r) => r.key.slice(1, -6)).join(' ')).toBe(expected);
  });

  it('iterates like unordered_map<uint64_t, …>(10): integers hash to themselves', () => {
    const k = new OrderedKeys<number>();
    for (const id of [3, 14, 25, 1, 36, 2]) k.insert(id);
    expect(k.keys).toEqual([2, 1, 36, 25, 14, 3]);
    k.erase(25);
    expect(k.keys).toEqual([2, 1, 36, 14, 3]);
  });
});

const datum = (a: unknown): Datum => {
  const [s, n] = a as [Array<[string, string]>, Array<[string, number]>];
  return { stringValues: s, numValues: n, binaryValues: [] };
};

/** The scenario's update calls up to the 5th (as the payload capture ran them). */
function updates(name: string): unknown[][] {
  return loadScenario(name).calls.filter((c) => c.method === 'train').slice(0, 5).map((c) => c.args[0] as unknown[]);
}

/** A distributed server's first (empty) MIX round, which took 1.1.1's versions to 1. */
function firstRound(lm: LinearMixable<unknown>): void {
  expect(lm.putDiff(lm.unpackDiff(decodeOne(bytes((w) => lm.packDiff(w)))))).toBe(true);
}

function payload(name: string): Uint8Array {
  const file = path.join(REFERENCE_DIR, '..', 'linear-mix-payloads.json');
  const all = JSON.parse(readFileSync(file, 'utf8')) as { payloads: Record<string, string> };
  return Buffer.from(all.payloads[name]!, 'hex');
}

/** The bytes of the payload's first element (the storage's diff). */
function firstElement(p: Uint8Array): Uint8Array {
  const r = new MsgReader(p, 1);
  r.read();
  return p.subarray(1, r.pos);
}

function config(name: string): unknown {
  return JSON.parse(loadScenario(name).calls[0]!.result as string);
}

describe('get_diff as 1.1.1 sends it', () => {
  it('classifier AROW: the storage diff byte for byte', () => {
    const e = classifierFactory.create(config('classifier-AROW'), { owner: '127.0.0.1_9199', distributed: true }) as ClassifierEngine;
    firstRound(e.linearMixable());
    for (const batch of updates('classifier-AROW')) e.train((batch as Array<[string, unknown]>).map(([l, d]): [string, Datum] => [l, datum(d)]));
    const mine = bytes((w) => e.driver.linearParts()[0]!.packDiff(w));
    expect(hex(mine)).toBe(hex(firstElement(payload('classifier-AROW'))));
  });

  it('regression PA: the storage diff byte for byte, given 1.1.1\'s token order', () => {
    const e = regressionFactory.create(config('regression-PA'), { owner: '127.0.0.1_9199', distributed: true }) as RegressionEngine;
    firstRound(e.linearMixable());
    for (const batch of updates('regression-PA')) {
      for (const [y, d] of batch as Array<[number, unknown]>) e.driver.train(y, tokensAsJubatus(e.converter.convertAndUpdateWeight(datum(d))));
    }
    const mine = bytes((w) => e.driver.linearParts()[0]!.packDiff(w));
    expect(hex(mine)).toBe(hex(firstElement(payload('regression-PA'))));
  });
});

/**
 * Regression trains on the fv as converted (unsorted), so table order depends on the order of
 * a string value's tokens: 1.1.1 emits them in the order of its token counter (an
 * unordered_map), juba's converter in first-seen order (engine spec §18.1). This reorders each
 * run of one string key's tokens the 1.1.1 way, isolating the storage from that choice.
 */
function tokensAsJubatus(fv: FeatureVector): FeatureVector {
  const keys = [...fv.keys];
  const values = [...fv.values];
  const group = (k: string): string => (k.includes('$') ? k.slice(0, k.indexOf('$')) + k.slice(k.indexOf('@')) : k);
  const token = (k: string): string => k.slice(k.indexOf('$') + 1, k.indexOf('@'));
  for (let i = 0; i < keys.length; ) {
    let j = i + 1;
    while (j < keys.length && keys[i]!.includes('$') && group(keys[j]!) === group(keys[i]!)) j++;
    const order = new OrderedKeys<string>();
    const at = new Map<string, number>();
    for (let k = i; k < j; k++) {
      order.insert(token(fv.keys[k]!));
      at.set(token(fv.keys[k]!), k);
    }
    order.keys.forEach((t, n) => {
      keys[i + n] = fv.keys[at.get(t)!]!;
      values[i + n] = fv.values[at.get(t)!]!;
    });
    i = j;
  }
  return { keys, values };
}

const diff = (version: number, count: number, features: Array<[string, Array<[string, number, number, number]>]>): StorageDiff => ({
  count,
  version,
  features: features.map(([key, ls]) => ({ key, labels: ls.map((l) => l[0]), vals: ls.flatMap((l) => [l[1], l[2], l[3]]) })),
});

const flat = (d: StorageDiff): unknown => d.features.map((f) => [f.key, f.labels.map((l, j) => [l, f.vals.slice(3 * j, 3 * j + 3)])]);

describe('linear MIX fold and put_diff', () => {
  it('averages weights by count, keeps the smaller covariance, an absent side counting as (0, 1, 0)', () => {
    const acc = diff(4, 1, [['f', [['a', 0.4, 0.5, 0], ['b', 0.2, 0.9, 0]]], ['g', [['a', 1, 0.8, 0]]]]);
    const incoming = diff(4, 2, [['f', [['a', 1.0, 0.7, 0.3]]], ['e', [['b', -0.6, 1.5, 0]]]]);
    const m = mixDiffs(acc, incoming);
    expect(m.count).toBe(3);
    expect(m.version).toBe(4);
    // incoming's features first (sorted), then those only the accumulator had
    expect(flat(m)).toEqual([
      ['e', [['b', [(2 * -0.6 + 1 * 0) / 3, 1, 0]]]],
      ['f', [['a', [(2 * 1.0 + 1 * 0.4) / 3, 0.5, (2 * 0.3) / 3]], ['b', [(1 * 0.2) / 3, 0.9, 0]]]],
      ['g', [['a', [1 / 3, 0.8, 0]]]],
    ]);
  });

  it('keeps the newer version and ignores an older one', () => {
    const old = diff(1, 1, [['f', [['a', 1, 1, 0]]]]);
    const newer = diff(2, 1, [['g', [['b', 2, 1, 0]]]]);
    expect(mixDiffs(old, newer)).toBe(newer);
    expect(mixDiffs(newer, old)).toBe(newer);
  });

  it('round-trips the diff form', () => {
    const d = diff(7, 3, [['f', [['a', 0.5, -0.25, 0]]]]);
    expect(readDiff(decodeOne(bytes((w) => writeDiff(w, d))))).toEqual(d);
  });

  it('put_diff adds to tbl, clears the diff and moves the version on; another version is refused', () => {
    const s = new LinearStorage(true);
    s.bulkUpdate(['f'], [2], 0.5, 'a', '');
    expect(s.status()).toMatchObject({ num_features: '0', num_features_diff: '1', model_version: '0', storage: 'local_storage_mixture' });
    expect(putDiff(s, diff(1, 1, [['f', [['a', 1, 0, 0]]]]), undefined)).toBe(false);
    expect(putDiff(s, diff(0, 1, [['f', [['a', 1, 0, 0]]]]), undefined)).toBe(true);
    expect(s.status()).toMatchObject({ num_features: '1', num_features_diff: '0', model_version: '1' });
    s.inp(['f'], [3]);
    expect(s.scoreOf(s.keys.idOf('a'))).toBe(3);
  });
});

describe('1.1.1 model files', () => {
  for (const name of ['classifier-AROW', 'classifier-perceptron', 'regression-PA', 'regression-NHERD']) {
    it(`${name}: loads and packs back the same storage`, () => {
      const model = fixtureModel(name) as unknown[];
      const storage = (name.startsWith('classifier') ? (model[0] as unknown[])[0] : (model[0] as unknown[])[0]) as never;
      const s = new LinearStorage(false);
      s.unpack(storage)();
      expect(plain(decodeOne(bytes((w) => s.pack(w))))).toEqual(plain(storage));
      expect(s.status().num_features).toBe(String(Object.keys(plain((storage as unknown[])[0] as never) as object).length));
    });
  }

  it('refuses a key manager whose maps disagree', () => {
    const bad = decodeOne(bytes((w) => {
      w.arrayHeader(4);
      w.mapHeader(0);
      w.arrayHeader(3);
      w.mapHeader(1);
      w.str('a');
      w.int(0);
      w.mapHeader(1);
      w.int(0);
      w.str('b');
      w.int(1);
      w.mapHeader(0);
      w.arrayHeader(1);
      w.int(0);
    }));
    expect(() => new LinearStorage(false).unpack(bad)).toThrow(/key_manager/);
  });
});
