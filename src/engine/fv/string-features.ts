/**
 * Splitters of string rules (spec §2.4). Each adds every token occurrence to a counter whose
 * insertion order becomes the feature order (Jubatus iterates an unordered_map there; first-seen
 * order is the documented deviation, spec §2.11).
 */
import { ConfigError } from '../../errors.js';
import { child } from '../config-cast.js';
import type { SplitterSpec } from './config.js';
import { captureCount, compileStickyRegExp } from './key-matcher.js';

export type TokenCounter = Map<string, number>;

export interface Splitter {
  split(value: string, counter: TokenCounter): void;
}

function count(c: TokenCounter, token: string): void {
  c.set(token, (c.get(token) ?? 0) + 1);
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Whole value as one token (an empty value is one empty token). */
class WithoutSplit implements Splitter {
  split(value: string, c: TokenCounter): void {
    count(c, value);
  }
}

function isAsciiSpace(ch: number): boolean {
  // ' ', \t, \n, \v, \f, \r
  return ch === 32 || (ch >= 9 && ch <= 13);
}

class SpaceSplitter implements Splitter {
  split(value: string, c: TokenCounter): void {
    const n = value.length;
    let i = 0;
    while (i < n) {
      while (i < n && isAsciiSpace(value.charCodeAt(i))) i++;
      const start = i;
      while (i < n && !isAsciiSpace(value.charCodeAt(i))) i++;
      if (i > start) count(c, value.slice(start, i));
    }
  }
}

/** Every window of N characters (code points); shorter values give nothing. */
class CharacterNgram implements Splitter {
  constructor(private readonly n: number) {}

  split(value: string, c: TokenCounter): void {
    const n = this.n;
    if (!SURROGATE.test(value)) {
      for (let i = 0; i + n <= value.length; i++) count(c, value.slice(i, i + n));
      return;
    }
    const chars = Array.from(value);
    for (let i = 0; i + n <= chars.length; i++) count(c, chars.slice(i, i + n).join(''));
  }
}

/** Splits on any of the separator characters; empty tokens are dropped. */
class CharSplitter implements Splitter {
  private readonly seps: Set<string>;

  constructor(separators: string) {
    this.seps = new Set(Array.from(separators));
  }

  split(value: string, c: TokenCounter): void {
    let token = '';
    for (const ch of value) {
      if (this.seps.has(ch)) {
        if (token) count(c, token);
        token = '';
      } else {
        token += ch;
      }
    }
    if (token) count(c, token);
  }
}

/**
 * Jubatus's scan: try an anchored match at each position; on success take capture `group` and
 * advance by that capture's length (at least one). Jubatus steps one UTF-8 byte on failure; here
 * the step is one character, which differs only for patterns that match inside a character.
 */
class RegexpSplitter implements Splitter {
  constructor(
    private readonly re: RegExp,
    private readonly group: number,
  ) {}

  split(value: string, c: TokenCounter): void {
    const re = this.re;
    const n = value.length;
    let cur = 0;
    while (cur < n) {
      re.lastIndex = cur;
      const m = re.exec(value);
      let len = 0;
      if (m !== null) {
        const token = m[this.group];
        if (token !== undefined) {
          count(c, token);
          len = token.length;
        }
      }
      cur += len > 0 ? len : charWidth(value, cur);
    }
  }
}

/** UTF-16 units of the character at i (2 for a surrogate pair). */
export function charWidth(s: string, i: number): number {
  const ch = s.charCodeAt(i);
  if (ch >= 0xd800 && ch <= 0xdbff && i + 1 < s.length) {
    const lo = s.charCodeAt(i + 1);
    if (lo >= 0xdc00 && lo <= 0xdfff) return 2;
  }
  return 1;
}

/** Builds a splitter; invalid patterns and group numbers are ConfigErrors at `path`. */
export function createSplitter(spec: SplitterSpec, path = ''): Splitter {
  switch (spec.method) {
    case 'str':
      return new WithoutSplit();
    case 'space':
      return new SpaceSplitter();
    case 'ngram':
      return new CharacterNgram(spec.charNum);
    case 'split':
      return new CharSplitter(spec.separators);
    case 'regexp': {
      const re = compileStickyRegExp(spec.pattern, child(path, 'pattern'));
      if (spec.group < 0) throw new ConfigError(child(path, 'group'), `'group' must not be negative: ${spec.group}`);
      const groups = captureCount(re);
      if (spec.group > groups) {
        throw new ConfigError(child(path, 'group'), `regexp '${spec.pattern}' only contains ${groups} groups, but 'group' is ${spec.group}`);
      }
      return new RegexpSplitter(re, spec.group);
    }
  }
}
