import { describe, expect, it } from 'vitest';
import type { SplitterSpec } from '../../src/engine/fv/config.js';
import { createNumFilter, createStringFilter } from '../../src/engine/fv/filters.js';
import { createSplitter } from '../../src/engine/fv/string-features.js';

function tokens(spec: SplitterSpec, value: string): Array<[string, number]> {
  const c = new Map<string, number>();
  createSplitter(spec).split(value, c);
  return [...c];
}

describe('splitters', () => {
  it('str: the whole value, even when empty', () => {
    expect(tokens({ method: 'str' }, 'doc one')).toEqual([['doc one', 1]]);
    expect(tokens({ method: 'str' }, '')).toEqual([['', 1]]);
  });

  it('space: ASCII whitespace, empty tokens dropped, counts in first-seen order', () => {
    expect(tokens({ method: 'space' }, ' this is\t a pen\n\x0b\fpen\r')).toEqual([['this', 1], ['is', 1], ['a', 1], ['pen', 2]]);
    expect(tokens({ method: 'space' }, '   ')).toEqual([]);
    // non-ASCII spaces are not separators
    expect(tokens({ method: 'space' }, 'a\u3000b')).toEqual([['a\u3000b', 1]]);
  });

  it('ngram: every window of N characters, nothing for shorter values', () => {
    expect(tokens({ method: 'ngram', charNum: 2 }, 'abcab')).toEqual([['ab', 2], ['bc', 1], ['ca', 1]]);
    expect(tokens({ method: 'ngram', charNum: 2 }, 'a')).toEqual([]);
    expect(tokens({ method: 'ngram', charNum: 3 }, 'abc')).toEqual([['abc', 1]]);
    expect(tokens({ method: 'ngram', charNum: 2 }, '日本語')).toEqual([['日本', 1], ['本語', 1]]);
    // characters are code points, not UTF-16 halves
    expect(tokens({ method: 'ngram', charNum: 1 }, '😀a😀')).toEqual([['😀', 2], ['a', 1]]);
    expect(tokens({ method: 'ngram', charNum: 2 }, '😀a😀')).toEqual([['😀a', 1], ['a😀', 1]]);
  });

  it('split: any separator character, empty tokens dropped', () => {
    expect(tokens({ method: 'split', separators: ',;' }, 'a,b;;c,a,')).toEqual([['a', 2], ['b', 1], ['c', 1]]);
    expect(tokens({ method: 'split', separators: '、😀' }, 'いぬ、ねこ😀いぬ')).toEqual([['いぬ', 2], ['ねこ', 1]]);
  });

  it('regexp: anchored scan, capture group, advance by the capture length', () => {
    expect(tokens({ method: 'regexp', pattern: '[a-z]+', group: 0 }, 'abc 12 de')).toEqual([['abc', 1], ['de', 1]]);
    expect(tokens({ method: 'regexp', pattern: '([a-z]+)([0-9])', group: 1 }, 'ab1cd2')).toEqual([['ab', 1], ['cd', 1]]);
    // Jubatus advances by the capture's length, not the match's: at 0 "ab" matches (capture "b",
    // advance 1), at 1 nothing matches, at 2 "ab" matches again
    expect(tokens({ method: 'regexp', pattern: 'a(b)', group: 1 }, 'abab')).toEqual([['b', 2]]);
    // empty matches emit empty tokens and step one character
    expect(tokens({ method: 'regexp', pattern: 'x*', group: 0 }, 'ab')).toEqual([['', 2]]);
    expect(tokens({ method: 'regexp', pattern: '[0-9]+', group: 0 }, '１2３45')).toEqual([['2', 1], ['45', 1]]);
  });
});

describe('string filter (regexp)', () => {
  const f = (pattern: string, replace: string, input: string) => createStringFilter({ method: 'regexp', pattern, replace }).filter(input);

  it('replaces every non-overlapping match left to right', () => {
    expect(f('<[^>]*>', '', 'a<b>bold</b> text')).toBe('abold text');
    expect(f('[0-9]+', '#', 'a1b22c333')).toBe('a#b#c#');
  });

  it('inserts capture groups with \\0-\\9 and a backslash with \\\\', () => {
    expect(f('([a-z]+)@([a-z]+)', '\\2 at \\1', 'mail bob@example now')).toBe('mail example at bob now');
    expect(f('b', '[\\0]', 'abc')).toBe('a[b]c');
    expect(f('/', '\\\\', 'a/b')).toBe('a\\b');
  });

  it('an empty match inserts the replacement and copies one character; $ matches at the end', () => {
    expect(f('x*', '-', 'ab')).toBe('-a-b-');
    expect(f('$', '!', 'ab')).toBe('ab!');
    expect(f('^', '>', 'ab')).toBe('>ab');
  });

  it('leaves non-matching text and non-ASCII characters intact', () => {
    expect(f('z', 'y', 'héllo 😀')).toBe('héllo 😀');
    expect(f('ll', 'LL', 'héllo 😀')).toBe('héLLo 😀');
  });
});

describe('num filters', () => {
  it('add', () => {
    expect(createNumFilter({ method: 'add', value: 2 })(3)).toBe(5);
  });

  it('linear_normalization with and without truncation', () => {
    const t = createNumFilter({ method: 'linear_normalization', min: 0, max: 10, truncate: true });
    expect([t(15), t(-1), t(5), t(10), t(0)]).toEqual([1, 0, 0.5, 1, 0]);
    const n = createNumFilter({ method: 'linear_normalization', min: 0, max: 10, truncate: false });
    expect([n(15), n(-1)]).toEqual([1.5, -0.1]);
  });

  it('gaussian_normalization', () => {
    const g = createNumFilter({ method: 'gaussian_normalization', average: 5, standardDeviation: 2 });
    expect([g(9), g(5), g(4)]).toEqual([2, 0, -0.5]);
  });

  it('sigmoid_normalization', () => {
    const s = createNumFilter({ method: 'sigmoid_normalization', gain: 1, bias: 0 });
    expect(s(0)).toBe(0.5);
    const s2 = createNumFilter({ method: 'sigmoid_normalization', gain: 2, bias: 1 });
    expect(s2(1)).toBe(0.5);
    expect(s2(2)).toBe(1 / (1 + Math.exp(-2)));
  });
});
