import { describe, expect, it } from 'vitest';
import { parseConverterConfig } from '../../src/engine/fv/config.js';
import { ConverterError, DatumToFvConverter } from '../../src/engine/fv/converter.js';
import { revertFeatures } from '../../src/engine/fv/revert.js';
import type { Datum, FeatureVector } from '../../src/engine/datum.js';
import { JubaError } from '../../src/errors.js';

function conv(json: object): DatumToFvConverter {
  return new DatumToFvConverter(parseConverterConfig(json));
}

function datum(s: Record<string, string> | Array<[string, string]> = [], n: Record<string, number> | Array<[string, number]> = []): Datum {
  return {
    stringValues: Array.isArray(s) ? s : Object.entries(s),
    numValues: Array.isArray(n) ? n : Object.entries(n),
    binaryValues: [],
  };
}

function pairs(fv: FeatureVector): Array<[string, number]> {
  return fv.keys.map((k, i) => [k, fv.values[i]!]);
}

const NUM_ALL = { num_rules: [{ key: '*', type: 'num' }] };

describe('string features', () => {
  it('builds <key>$<token>@<type>#<sample>/<global> keys', () => {
    const c = conv({
      string_types: { bigram: { method: 'ngram', char_num: '2' } },
      string_rules: [
        { key: 'name', type: 'str', sample_weight: 'bin', global_weight: 'bin' },
        { key: 'title', type: 'space', sample_weight: 'tf', global_weight: 'bin' },
        { key: 'text', type: 'bigram', sample_weight: 'log_tf', global_weight: 'bin' },
      ],
    });
    const fv = c.convert(datum({ name: 'doc1', title: 'it is it', text: 'abab' }));
    expect(pairs(fv)).toEqual([
      ['name$doc1@str#bin/bin', 1],
      ['title$it@space#tf/bin', 2],
      ['title$is@space#tf/bin', 1],
      ['text$ab@bigram#log_tf/bin', Math.log(3)],
      ['text$ba@bigram#log_tf/bin', Math.log(2)],
    ]);
  });

  it('iterates rules outside, values inside; filtered values after the originals', () => {
    const c = conv({
      string_filter_types: { up: { method: 'regexp', pattern: 'a', replace: 'A' } },
      string_filter_rules: [{ key: 'x', type: 'up', suffix: '_up' }],
      string_rules: [
        { key: '*', type: 'str', sample_weight: 'bin', global_weight: 'bin' },
        { key: '*', type: 'space', sample_weight: 'bin', global_weight: 'bin' },
      ],
    });
    expect(c.convert(datum([['x', 'a'], ['y', 'b']])).keys).toEqual([
      'x$a@str#bin/bin',
      'y$b@str#bin/bin',
      'x$a@space#bin/bin',
      'y$b@space#bin/bin',
      'x_up$A@str#bin/bin',
      'x_up$A@space#bin/bin',
    ]);
  });

  it('string filter rules also apply to the outputs of earlier rules', () => {
    const c = conv({
      string_filter_types: {
        f1: { method: 'regexp', pattern: 'a', replace: 'b' },
        f2: { method: 'regexp', pattern: 'b', replace: 'c' },
      },
      string_filter_rules: [
        { key: '*', type: 'f1', suffix: '_1' },
        { key: '*', type: 'f2', suffix: '_2' },
      ],
      string_rules: [{ key: '*', type: 'str', sample_weight: 'bin', global_weight: 'bin' }],
    });
    expect(c.convert(datum({ k: 'a' })).keys).toEqual(['k$a@str#bin/bin', 'k_1$b@str#bin/bin', 'k_2$a@str#bin/bin', 'k_1_2$c@str#bin/bin']);
  });

  it('honours except on string rules', () => {
    const c = conv({ string_rules: [{ key: '*', except: 'id', type: 'str', sample_weight: 'bin', global_weight: 'bin' }] });
    expect(c.convert(datum({ id: '1', name: 'x' })).keys).toEqual(['name$x@str#bin/bin']);
  });
});

describe('num features', () => {
  it('num, log (ln(max(1, v))) and str (%g) keys', () => {
    const c = conv({ num_rules: [{ key: 'a', type: 'num' }, { key: 'b', type: 'log' }, { key: 'c', type: 'str' }] });
    const fv = c.convert(datum({}, [['a', 2.5], ['b', Math.E ** 2], ['c', 25], ['c', 0.1], ['c', 1234567], ['c', 1e-5], ['c', -3]]));
    expect(pairs(fv)).toEqual([
      ['a@num', 2.5],
      ['b@log', 2],
      ['c@str$25', 1],
      ['c@str$0.1', 1],
      ['c@str$1.23457e+06', 1],
      ['c@str$1e-05', 1],
      ['c@str$-3', 1],
    ]);
  });

  it('log of values ≤ 1 is 0, so the feature is removed', () => {
    const c = conv({ num_rules: [{ key: '*', type: 'log' }] });
    expect(pairs(c.convert(datum({}, { a: 0.5, b: 1, c: -4, d: 10 })))).toEqual([['d@log', Math.log(10)]]);
  });

  it('iterates values outside, rules inside; filtered nums after the originals', () => {
    const c = conv({
      num_filter_types: { add1: { method: 'add', value: '1' }, add10: { method: 'add', value: '10' } },
      num_filter_rules: [
        { key: 'x', type: 'add1', suffix: '+1' },
        { key: '*', type: 'add10', suffix: '+10' },
      ],
      num_rules: [{ key: '*', type: 'num' }, { key: '*', type: 'str' }],
    });
    expect(pairs(c.convert(datum({}, [['x', 1], ['y', 2]])))).toEqual([
      ['x@num', 1],
      ['x@str$1', 1],
      ['y@num', 2],
      ['y@str$2', 1],
      ['x+1@num', 2],
      ['x+1@str$2', 1],
      ['x+10@num', 11],
      ['x+10@str$11', 1],
      ['y+10@num', 12],
      ['y+10@str$12', 1],
      ['x+1+10@num', 12],
      ['x+1+10@str$12', 1],
    ]);
  });

  it('drops zero-valued features, num ones included', () => {
    const c = conv(NUM_ALL);
    expect(pairs(c.convert(datum({}, { a: 0, b: -0, c: 3, d: NaN })))).toEqual([['c@num', 3], ['d@num', NaN]]);
  });

  it('keeps duplicates and datum order', () => {
    const c = conv(NUM_ALL);
    expect(pairs(c.convert(datum({}, [['b', 1], ['a', 2], ['b', 3]])))).toEqual([['b@num', 1], ['a@num', 2], ['b@num', 3]]);
  });

  it('returns fresh arrays on every call (the key cache does not leak state)', () => {
    const c = conv(NUM_ALL);
    const a = c.convert(datum({}, { x: 1 }));
    const b = c.convert(datum({}, { x: 2 }));
    expect(pairs(a)).toEqual([['x@num', 1]]);
    expect(pairs(b)).toEqual([['x@num', 2]]);
  });
});

describe('datum key check', () => {
  it("rejects a key containing '$' when a rule turns it into a feature", () => {
    const c = conv({ ...NUM_ALL, string_rules: [{ key: '*', type: 'str', sample_weight: 'bin', global_weight: 'bin' }] });
    expect(() => c.convert(datum({ 'a$b': 'x' }))).toThrow(ConverterError);
    expect(() => c.convert(datum({}, { 'a$b': 1 }))).toThrow("feature key cannot contain '$': a$b");
    try {
      c.convert(datum({}, { 'a$b': 1 }));
    } catch (e) {
      expect(e).toBeInstanceOf(JubaError);
    }
  });

  it('ignores such keys when no rule matches them', () => {
    const c = conv({ num_rules: [{ key: 'x', type: 'num' }] });
    expect(pairs(c.convert(datum({ 'a$b': 'v' }, { 'a$b': 1, x: 2 })))).toEqual([['x@num', 2]]);
  });
});

describe('combinations', () => {
  it('pairs j < m over original features with add and mul', () => {
    const c = conv({
      ...NUM_ALL,
      combination_rules: [
        { key_left: '*', key_right: '*', type: 'mul' },
        { key_left: 'val1*', key_right: 'val3*', type: 'add' },
      ],
    });
    expect(pairs(c.convert(datum({}, { val1: 2, val2: 3, val3: 5 })))).toEqual([
      ['val1@num', 2],
      ['val2@num', 3],
      ['val3@num', 5],
      ['val1@num&val2@num/mul', 6],
      ['val1@num&val3@num/mul', 10],
      ['val2@num&val3@num/mul', 15],
      ['val1@num&val3@num/add', 7],
    ]);
  });

  it('matches either orientation but names the pair in vector order', () => {
    const c = conv({ ...NUM_ALL, combination_rules: [{ key_left: 'b*', key_right: 'a*', type: 'mul' }] });
    expect(c.convert(datum({}, [['a', 2], ['b', 3]])).keys).toEqual(['a@num', 'b@num', 'a@num&b@num/mul']);
  });

  it('needs at least two features', () => {
    const c = conv({ ...NUM_ALL, combination_rules: [{ key_left: '*', key_right: '*', type: 'add' }] });
    expect(pairs(c.convert(datum({}, { a: 2 })))).toEqual([['a@num', 2]]);
  });

  it('runs after weighting: removed features are not combined', () => {
    const c = conv({ ...NUM_ALL, combination_rules: [{ key_left: '*', key_right: '*', type: 'add' }] });
    expect(c.convert(datum({}, { a: 0, b: 1, c: 2 })).keys).toEqual(['b@num', 'c@num', 'b@num&c@num/add']);
  });
});

describe('feature hashing', () => {
  // Independent reference: FNV-1 64 over UTF-8 bytes with sign-extended bytes (spec §3.1).
  function fnv1Ref(key: string): bigint {
    let h = 14695981039346656037n;
    for (const b of new TextEncoder().encode(key)) {
      h = (h * 1099511628211n) & 0xffffffffffffffffn;
      h ^= b >= 0x80 ? 0xffffffffffffff00n | BigInt(b) : BigInt(b);
    }
    return h;
  }

  it('replaces each key by FNV1-64(key) mod M, after combinations, without merging', () => {
    for (const m of [16, 1000003, 2 ** 40 + 15]) {
      const c = conv({ ...NUM_ALL, hash_max_size: m, combination_rules: [{ key_left: '*', key_right: '*', type: 'mul' }] });
      const fv = c.convert(datum({}, { val1: 2, 'ключ': 3 }));
      const expected = ['val1@num', 'ключ@num', 'val1@num&ключ@num/mul'].map((k) => (fnv1Ref(k) % BigInt(m)).toString());
      expect(fv.keys).toEqual(expected);
      expect(fv.values).toEqual([2, 3, 6]);
    }
  });
});

describe('global weights: idf / idf1', () => {
  const cfg = (gw: string) => ({ ...NUM_ALL, string_rules: [{ key: '*', type: 'space', sample_weight: 'tf', global_weight: gw }] });

  it('idf: the first document weighs itself to zero and loses those features', () => {
    const c = conv(cfg('idf'));
    expect(pairs(c.convertAndUpdateWeight(datum({ title: 'it is' }, { n: 1 })))).toEqual([['n@num', 1]]);
    // second document: N = 2, df(is) = 2 → 0 (removed); df(x) = 1 (this one only) → tf · ln(3/2)
    expect(pairs(c.convertAndUpdateWeight(datum({ title: 'is x x' })))).toEqual([
      ['title$x@space#tf/idf', 2 * Math.log(3 / 2)],
    ]);
    // query-time: N = 2, df(it) = 1 → ln(3/2), df(new) = 0 → ln 3; nothing is counted
    expect(pairs(c.convert(datum({ title: 'it new' })))).toEqual([
      ['title$it@space#tf/idf', Math.log(3 / 2)],
      ['title$new@space#tf/idf', Math.log(3)],
    ]);
    expect(c.weights.documentCount()).toBe(2);
    expect(c.weights.documentFrequency('title$new@space#tf/idf')).toBe(0);
    expect(c.weights.documentFrequency('n@num')).toBe(1); // num features are counted too
  });

  it('idf1 keeps first-document features at weight 1 × tf', () => {
    const c = conv(cfg('idf1'));
    expect(pairs(c.convertAndUpdateWeight(datum({ title: 'a a b' })))).toEqual([
      ['title$a@space#tf/idf1', 2],
      ['title$b@space#tf/idf1', 1],
    ]);
    expect(pairs(c.convertAndUpdateWeight(datum({ title: 'a c' })))).toEqual([
      ['title$a@space#tf/idf1', Math.log(3 / 3) + 1],
      ['title$c@space#tf/idf1', Math.log(3 / 2) + 1],
    ]);
  });

  it('does not count documents when no rule needs statistics', () => {
    const c = conv({ ...NUM_ALL, string_rules: [{ key: '*', type: 'str', sample_weight: 'bin', global_weight: 'bin' }] });
    c.convertAndUpdateWeight(datum({ a: 'x' }, { n: 1 }));
    expect(c.weights.documentCount()).toBe(0);
    expect(c.weights.documentFrequency('n@num')).toBe(0);
  });

  it('clear() drops the statistics', () => {
    const c = conv(cfg('idf'));
    c.convertAndUpdateWeight(datum({ t: 'x' }));
    c.clear();
    expect(c.weights.documentCount()).toBe(0);
    // N = 0, df = 0 → ln(1/1) = 0 → removed
    expect(c.convert(datum({ t: 'x' })).keys).toEqual([]);
  });
});

describe('global weights: bm25', () => {
  const c = conv({ string_rules: [{ key: 'body', type: 'space', sample_weight: 'tf', global_weight: 'bm25' }] });
  const g = 'body@space#tf/bm25';

  it('weighs with ln((N-df+.5)/(df+.5)) · s(k1+1) / (s + k1(1 - b + b·L/avgL))', () => {
    // doc 1 "a b a": N=1, df(a)=df(b)=1, L=3, avgL=3/1
    expect(pairs(c.convertAndUpdateWeight(datum({ body: 'a b a' })))).toEqual([
      ['body$a@space#tf/bm25', expect.closeTo(-1.510591896918651, 13)],
      ['body$b@space#tf/bm25', expect.closeTo(-1.0986122886681098, 13)],
    ]);
    // doc 2 "c": N=2, df(c)=1 → ln(1.5/1.5) = 0 → removed
    expect(c.convertAndUpdateWeight(datum({ body: 'c' })).keys).toEqual([]);
    // doc 3 "c d d": N=3, df(c)=2, df(d)=1, L=3, avgL=(3+1+3)/3
    expect(pairs(c.convertAndUpdateWeight(datum({ body: 'c d d' })))).toEqual([
      ['body$c@space#tf/bm25', expect.closeTo(-0.4573671282555964, 13)],
      ['body$d@space#tf/bm25', expect.closeTo(0.6501417029748974, 13)],
    ]);
    const s = c.weights.snapshot().diff;
    expect(s.groupFreq.get(g)).toBe(3);
    expect(s.groupTotalLen.get(g)).toBe(7);
    expect(c.weights.averageGroupLength(g)).toBeCloseTo(7 / 3, 15);
  });

  it('query-time conversion reads the statistics without counting', () => {
    // "a c": df(a)=1, df(c)=2, L=2, avgL=7/3
    expect(pairs(c.convert(datum({ body: 'a c' })))).toEqual([
      ['body$a@space#tf/bm25', expect.closeTo(0.5425320417928454, 13)],
      ['body$c@space#tf/bm25', expect.closeTo(-0.5425320417928454, 13)],
    ]);
    expect(c.weights.documentCount()).toBe(3);
  });

  it('counts groups once per document and sums log_tf lengths (spec §4.8 example numbers)', () => {
    const c2 = conv({
      ...NUM_ALL,
      string_rules: [{ key: 'body', type: 'space', sample_weight: 'log_tf', global_weight: 'bm25' }],
    });
    // 9 tokens with tf 1 and 4 with tf 2 over three documents: 9·ln 2 + 4·ln 3
    c2.convertAndUpdateWeight(datum({ body: 'red a b c c' }, { score_n: 1 }));
    c2.convertAndUpdateWeight(datum({ body: 'd e e f g' }, { score_n: 2 }));
    c2.convertAndUpdateWeight(datum({ body: 'h h i i j k l' }, { score_n: 3 }));
    const s = c2.weights.snapshot().diff;
    const grp = 'body@space#log_tf/bm25';
    expect(s.df.get('body$red@space#log_tf/bm25')).toBe(1);
    expect(s.df.get('score_n@num')).toBe(3);
    expect(s.groupFreq.get(grp)).toBe(3);
    expect(s.groupTotalLen.get(grp)).toBeCloseTo(10.632773779711947, 13);
    expect([...s.groupFreq.keys()]).toEqual([grp]); // num keys have no group
  });
});

describe('global weight: weight (user weights)', () => {
  it('multiplies by the user weight of the key before the last #, default 0', () => {
    const c = conv({ string_rules: [{ key: '*', type: 'space', sample_weight: 'tf', global_weight: 'weight' }] });
    expect(c.convert(datum({ t: 'a b b' })).keys).toEqual([]);
    c.weights.addUserWeight('t$b@space', 0.5);
    expect(pairs(c.convert(datum({ t: 'a b b' })))).toEqual([['t$b@space#tf/weight', 1]]);
  });
});

describe('revertFeatures', () => {
  it('recovers num, num-str and string-str values and drops the rest', () => {
    const d = revertFeatures({
      keys: ['x@num', 'y@str$1.5e+06', 'y@str$nan', 'name$doc 1@str#bin/bin', 't$it@space#tf/idf', 'l@log', 'a@num&b@num/mul', '12345'],
      values: [2.5, 1, 1, 1, 1, 1, 1, 1],
    });
    expect(d.numValues).toEqual([['x', 2.5], ['y', 1.5e6]]);
    expect(d.stringValues).toEqual([['name', 'doc 1']]);
  });
});
