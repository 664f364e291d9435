import { describe, expect, it } from 'vitest';
import { parseConverterConfig } from '../../src/engine/fv/config.js';
import { ConfigError } from '../../src/errors.js';

function configError(json: unknown): ConfigError {
  try {
    parseConverterConfig(json);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const sr = (extra: object) => ({ string_rules: [{ key: '*', type: 'str', sample_weight: 'bin', global_weight: 'bin', ...extra }] });

describe('parseConverterConfig: accepted configs', () => {
  it('accepts an empty config and nulls for optional keys', () => {
    const c = parseConverterConfig({});
    expect(c.stringRules).toEqual([]);
    expect(c.numRules).toEqual([]);
    expect(c.hashMaxSize).toBeUndefined();
    expect(parseConverterConfig({ string_rules: null, hash_max_size: null }).stringRules).toEqual([]);
  });

  it('resolves built-in and user-defined types', () => {
    const c = parseConverterConfig({
      string_filter_types: { detag: { method: 'regexp', pattern: '<[^>]*>', replace: '' } },
      string_filter_rules: [{ key: '*', type: 'detag', suffix: '-detagged' }],
      num_filter_types: {
        add1: { method: 'add', value: '1' },
        lin: { method: 'linear_normalization', min: '0', max: '10', truncate: 'False' },
        gauss: { method: 'gaussian_normalization', average: '5', standard_deviation: '2' },
        sig: { method: 'sigmoid_normalization' },
      },
      num_filter_rules: [{ key: 'x', except: 'y', type: 'lin', suffix: '_lin' }],
      string_types: {
        bigram: { method: 'ngram', char_num: '2' },
        words: { method: 'regexp', pattern: '([a-z]+)', group: '1' },
        csv: { method: 'split', separators: ',;' },
        str: { method: 'ngram', char_num: '1' }, // overrides the built-in name
      },
      string_rules: [
        { key: '*', except: 'id', type: 'bigram', sample_weight: 'tf', global_weight: 'idf' },
        { key: 'title', type: 'space', sample_weight: 'log_tf', global_weight: 'bm25' },
        { key: 'x', type: 'str', sample_weight: 'bin', global_weight: 'idf1' },
      ],
      num_rules: [{ key: '*', type: 'num' }, { key: 'a', type: 'log' }, { key: 'b', type: 'str' }],
      binary_rules: [],
      combination_rules: [{ key_left: '*', key_right: '*', except_left: 'z', type: 'mul' }],
      hash_max_size: 1024,
    });
    expect(c.stringFilterRules[0]).toEqual({ key: '*', type: 'detag', suffix: '-detagged', filter: { method: 'regexp', pattern: '<[^>]*>', replace: '' } });
    expect(c.numFilterRules[0]).toEqual({ key: 'x', except: 'y', type: 'lin', suffix: '_lin', filter: { method: 'linear_normalization', min: 0, max: 10, truncate: false } });
    expect(c.stringRules.map((r) => [r.type, r.splitter.method, r.sampleWeight, r.globalWeight])).toEqual([
      ['bigram', 'ngram', 'tf', 'idf'],
      ['space', 'space', 'log_tf', 'bm25'],
      ['str', 'ngram', 'bin', 'idf1'],
    ]);
    expect(c.stringRules[0]!.except).toBe('id');
    expect(c.numRules.map((r) => r.feature)).toEqual(['num', 'log', 'str']);
    expect(c.combinationRules[0]).toEqual({ keyLeft: '*', keyRight: '*', exceptLeft: 'z', type: 'mul', feature: 'mul' });
    expect(c.hashMaxSize).toBe(1024);
  });

  it('fills num filter defaults (truncate True, gain 1, bias 0, regexp group 0)', () => {
    const c = parseConverterConfig({
      num_filter_types: { lin: { method: 'linear_normalization', min: '-1', max: '1.5e1' }, sig: { method: 'sigmoid_normalization' } },
      num_filter_rules: [{ key: 'a', type: 'lin', suffix: '1' }, { key: 'a', type: 'sig', suffix: '2' }],
      string_types: { re: { method: 'regexp', pattern: '[a-z]+' } },
      string_rules: [{ key: '*', type: 're', sample_weight: 'bin', global_weight: 'bin' }],
    });
    expect(c.numFilterRules[0]!.filter).toEqual({ method: 'linear_normalization', min: -1, max: 15, truncate: true });
    expect(c.numFilterRules[1]!.filter).toEqual({ method: 'sigmoid_normalization', gain: 1, bias: 0 });
    expect(c.stringRules[0]!.splitter).toEqual({ method: 'regexp', pattern: '[a-z]+', group: 0 });
  });
});

describe('parseConverterConfig: errors name their path', () => {
  const cases: Array<[string, unknown, string, RegExp?]> = [
    ['not an object', 3, 'converter', /expected an object/],
    ['unknown top-level key', { string_rule: [] }, 'converter.string_rule', /unknown key/],
    ['unknown rule key', sr({ sample_weigth: 'bin' }), 'converter.string_rules[0].sample_weigth', /unknown key/],
    ['rules not an array', { num_rules: {} }, 'converter.num_rules', /expected an array/],
    ['missing sample_weight', { string_rules: [{ key: '*', type: 'str', global_weight: 'bin' }] }, 'converter.string_rules[0].sample_weight', /missing/],
    ['missing global_weight', { string_rules: [{ key: '*', type: 'str', sample_weight: 'bin' }] }, 'converter.string_rules[0].global_weight', /missing/],
    ['bad sample_weight', sr({ sample_weight: 'idf' }), 'converter.string_rules[0].sample_weight', /unknown sample weight "idf"/],
    ['bad global_weight', sr({ global_weight: 'tf' }), 'converter.string_rules[0].global_weight', /unknown global weight "tf"/],
    ['undefined string type', sr({ type: 'bigram' }), 'converter.string_rules[0].type', /unknown string type "bigram"/],
    ['string type on a num rule', { num_rules: [{ key: '*', type: 'space' }] }, 'converter.num_rules[0].type', /unknown num type/],
    ['key not a string', { num_rules: [{ key: 1, type: 'num' }] }, 'converter.num_rules[0].key', /expected a string/],
    ['bad key regex', sr({ key: '/(a/' }), 'converter.string_rules[0].key', /invalid regular expression/],
    ['bad except regex', sr({ except: '/[/' }), 'converter.string_rules[0].except', /invalid regular expression/],
    ['unknown combination type', { combination_rules: [{ key_left: '*', key_right: '*', type: 'sub' }] }, 'converter.combination_rules[0].type', /unknown combination type/],
    ['combination missing key_right', { combination_rules: [{ key_left: '*', type: 'add' }] }, 'converter.combination_rules[0].key_right', /missing/],
    ['any binary rule', { binary_rules: [{ key: '*', type: 'len' }] }, 'converter.binary_rules[0].type', /plugins/],
    ['type without method', { string_types: { bigram: { char_num: '2' } } }, 'converter.string_types.bigram.method', /missing/],
    ['char_num as a JSON number', { string_types: { bigram: { method: 'ngram', char_num: 2 } } }, 'converter.string_types.bigram.char_num', /expected a string/],
    ['char_num zero', { string_types: { bigram: { method: 'ngram', char_num: '0' } } }, 'converter.string_types.bigram.char_num', /positive/],
    ['char_num not a number', { string_types: { bigram: { method: 'ngram', char_num: 'two' } } }, 'converter.string_types.bigram.char_num', /integer/],
    ['ngram without char_num', { string_types: { bigram: { method: 'ngram' } } }, 'converter.string_types.bigram.char_num', /missing/],
    ['regexp splitter bad pattern', { string_types: { re: { method: 'regexp', pattern: '(' } } }, 'converter.string_types.re.pattern', /invalid regular expression/],
    ['regexp splitter group too large', { string_types: { re: { method: 'regexp', pattern: '(a)b', group: '2' } } }, 'converter.string_types.re.group', /only contains 1 groups/],
    ['regexp splitter negative group', { string_types: { re: { method: 'regexp', pattern: 'a', group: '-1' } } }, 'converter.string_types.re.group', /negative/],
    ['split without separators', { string_types: { s: { method: 'split' } } }, 'converter.string_types.s.separators', /missing/],
    ['dynamic string type', { string_types: { mecab: { method: 'dynamic', path: 'libmecab_splitter.so', function: 'create' } } }, 'converter.string_types.mecab.method', /plugins .* not supported/],
    ['unknown string type method', { string_types: { x: { method: 'mecab' } } }, 'converter.string_types.x.method', /unknown string type method "mecab"/],
    ['string filter without replace', { string_filter_types: { f: { method: 'regexp', pattern: 'a' } } }, 'converter.string_filter_types.f.replace', /missing/],
    ['string filter bad escape', { string_filter_types: { f: { method: 'regexp', pattern: 'a', replace: '\\x' } } }, 'converter.string_filter_types.f.replace', /0-9 or \\/],
    ['string filter trailing backslash', { string_filter_types: { f: { method: 'regexp', pattern: 'a', replace: 'b\\' } } }, 'converter.string_filter_types.f.replace', /0-9 or \\/],
    ['string filter group too large', { string_filter_types: { f: { method: 'regexp', pattern: '(a)', replace: '\\2' } } }, 'converter.string_filter_types.f.replace', /capture group/],
    ['string filter unknown method', { string_filter_types: { f: { method: 'replace' } } }, 'converter.string_filter_types.f.method', /unknown string filter method/],
    ['dynamic string filter', { string_filter_types: { f: { method: 'dynamic' } } }, 'converter.string_filter_types.f.method', /plugins/],
    ['string filter rule missing suffix', { string_filter_types: { f: { method: 'regexp', pattern: 'a', replace: '' } }, string_filter_rules: [{ key: '*', type: 'f' }] }, 'converter.string_filter_rules[0].suffix', /missing/],
    ['undefined string filter', { string_filter_rules: [{ key: '*', type: 'f', suffix: '_f' }] }, 'converter.string_filter_rules[0].type', /unknown string filter type "f"/],
    ['add without value', { num_filter_types: { a: { method: 'add' } } }, 'converter.num_filter_types.a.value', /missing/],
    ['add value not a number', { num_filter_types: { a: { method: 'add', value: 'abc' } } }, 'converter.num_filter_types.a.value', /expected a number/],
    ['linear max <= min', { num_filter_types: { l: { method: 'linear_normalization', min: '3', max: '3' } } }, 'converter.num_filter_types.l.max', /greater than min/],
    ['gaussian negative sd', { num_filter_types: { g: { method: 'gaussian_normalization', average: '0', standard_deviation: '-1' } } }, 'converter.num_filter_types.g.standard_deviation', /non-negative/],
    ['gaussian without average', { num_filter_types: { g: { method: 'gaussian_normalization', standard_deviation: '1' } } }, 'converter.num_filter_types.g.average', /missing/],
    ['sigmoid zero gain', { num_filter_types: { s: { method: 'sigmoid_normalization', gain: '0' } } }, 'converter.num_filter_types.s.gain', /zero/],
    ['unknown num filter method', { num_filter_types: { s: { method: 'scale' } } }, 'converter.num_filter_types.s.method', /unknown num filter method/],
    ['undefined num filter', { num_filter_rules: [{ key: '*', type: 'nf', suffix: '_x' }] }, 'converter.num_filter_rules[0].type', /unknown num filter type/],
    ['num_types entry', { num_types: { n: { method: 'num' } } }, 'converter.num_types.n.method', /unknown num feature method/],
    ['dynamic num type', { num_types: { n: { method: 'dynamic' } } }, 'converter.num_types.n.method', /plugins/],
    ['binary_types entry', { binary_types: { len: { method: 'dynamic', path: 'x.so' } } }, 'converter.binary_types.len.method', /plugins/],
    ['combination_types entry', { combination_types: { sub: { method: 'sub' } } }, 'converter.combination_types.sub.method', /unknown combination feature method/],
    ['type params not strings', { num_filter_types: { a: { method: 'add', value: 1 } } }, 'converter.num_filter_types.a.value', /expected a string/],
    ['hash_max_size zero', { hash_max_size: 0 }, 'converter.hash_max_size', /positive/],
    ['hash_max_size negative', { hash_max_size: -5 }, 'converter.hash_max_size', /positive/],
    ['hash_max_size float', { hash_max_size: 1.5 }, 'converter.hash_max_size', /integer/],
    ['hash_max_size string', { hash_max_size: '10' }, 'converter.hash_max_size', /integer/],
  ];

  it.each(cases)('%s', (_name, json, path, msg) => {
    const e = configError(json);
    expect(e.path).toBe(path);
    expect(e.message.startsWith(`${path}: `)).toBe(true);
    if (msg) expect(e.message).toMatch(msg);
  });

  it('uses the caller-given path prefix', () => {
    try {
      parseConverterConfig({ hash_max_size: 0 }, 'config.converter');
      throw new Error('unreachable');
    } catch (e) {
      expect((e as ConfigError).path).toBe('config.converter.hash_max_size');
    }
  });
});
