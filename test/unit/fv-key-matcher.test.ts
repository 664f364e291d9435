import { describe, expect, it } from 'vitest';
import { KeyMatcher } from '../../src/engine/fv/key-matcher.js';
import { ConfigError } from '../../src/errors.js';

const m = (p: string) => KeyMatcher.compile(p, 'k');

describe('KeyMatcher', () => {
  it('"" and "*" match everything', () => {
    for (const p of ['', '*']) {
      expect(m(p).matchesAll).toBe(true);
      expect(m(p).matches('anything')).toBe(true);
      expect(m(p).matches('')).toBe(true);
    }
  });

  it('"*XYZ" is a suffix match, checked before the prefix form', () => {
    expect(m('*_id').matches('user_id')).toBe(true);
    expect(m('*_id').matches('user_idx')).toBe(false);
    // "*a*" is the suffix "a*", not "contains a"
    expect(m('*a*').matches('xa*')).toBe(true);
    expect(m('*a*').matches('xab')).toBe(false);
  });

  it('"XYZ*" is a prefix match', () => {
    expect(m('user_*').matches('user_name')).toBe(true);
    expect(m('user_*').matches('username')).toBe(false);
  });

  it('"/RE/" is a regex anchored at the start that need not consume the whole key', () => {
    const re = m('/a.c/');
    expect(re.matches('abc')).toBe(true);
    expect(re.matches('abcdef')).toBe(true); // prefix match (Oniguruma onig_match)
    expect(re.matches('xabc')).toBe(false); // anchored at 0
    expect(m('/[0-9]+$/').matches('123')).toBe(true);
    expect(m('/[0-9]+$/').matches('123a')).toBe(false);
    // repeated calls do not depend on lastIndex state
    expect(re.matches('abc')).toBe(true);
    expect(m('//').matches('anything')).toBe(true);
  });

  it('anything else is exact', () => {
    expect(m('name').matches('name')).toBe(true);
    expect(m('name').matches('name2')).toBe(false);
    expect(m('/').matches('/')).toBe(true); // a lone slash is not a regex
    expect(m('/a').matches('/a')).toBe(true);
  });

  it('an invalid regex is a ConfigError naming the path', () => {
    expect(() => KeyMatcher.compile('/(ab/', 'converter.num_rules[0].key')).toThrow(ConfigError);
    expect(() => KeyMatcher.compile('/(ab/', 'converter.num_rules[0].key')).toThrow(/converter\.num_rules\[0\]\.key: invalid regular expression/);
  });

  it('except removes keys from a rule matcher', () => {
    const r = KeyMatcher.forRule('*', 'id*');
    expect(r.matchesAll).toBe(false);
    expect(r.matches('name')).toBe(true);
    expect(r.matches('id_user')).toBe(false);
    const r2 = KeyMatcher.forRule('user_*', '*_id');
    expect(r2.matches('user_name')).toBe(true);
    expect(r2.matches('user_id')).toBe(false);
    expect(r2.matches('group_name')).toBe(false);
  });
});
