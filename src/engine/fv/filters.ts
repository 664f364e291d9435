/**
 * String and num filters (spec §2.5): they derive new values (stored under `key + suffix`)
 * before feature extraction.
 */
import { ConfigError } from '../../errors.js';
import { child } from '../config-cast.js';
import type { NumFilterSpec, StringFilterSpec } from './config.js';
import { captureCount, compileStickyRegExp } from './key-matcher.js';
import { charWidth } from './string-features.js';

export interface StringFilter {
  filter(value: string): string;
}

/** Literal text, or the number of a capture group to insert. */
type ReplacePart = string | number;

/**
 * Jubatus's onig_filter: at every position (including the end, where `$` can match) try an
 * anchored match; a non-empty match is replaced and skipped, otherwise one character is copied.
 * An empty match both inserts the replacement and copies the character.
 */
class RegexpFilter implements StringFilter {
  constructor(
    private readonly re: RegExp,
    private readonly parts: readonly ReplacePart[],
  ) {}

  filter(input: string): string {
    const re = this.re;
    const n = input.length;
    let out = '';
    let cur = 0;
    while (cur <= n) {
      re.lastIndex = cur;
      const m = re.exec(input);
      let len = 0;
      if (m !== null) {
        for (const part of this.parts) out += typeof part === 'string' ? part : (m[part] ?? '');
        len = m[0].length;
        cur += len;
      }
      if (len === 0) {
        if (cur < n) {
          const w = charWidth(input, cur);
          out += input.slice(cur, cur + w);
          cur += w;
        } else {
          cur++;
        }
      }
    }
    return out;
  }
}

/** `\0`–`\9` insert a capture group, `\\` a backslash; any other escape is refused up front. */
function parseReplacement(replace: string, groups: number, path: string): ReplacePart[] {
  const parts: ReplacePart[] = [];
  let lit = '';
  for (let i = 0; i < replace.length; i++) {
    const ch = replace[i]!;
    if (ch !== '\\') {
      lit += ch;
      continue;
    }
    const next = replace[++i];
    if (next === '\\') {
      lit += '\\';
    } else if (next !== undefined && next >= '0' && next <= '9') {
      const g = next.charCodeAt(0) - 48;
      if (g > groups) throw new ConfigError(path, `invalid capture group \\${g}: the pattern has ${groups} groups`);
      if (lit) parts.push(lit);
      lit = '';
      parts.push(g);
    } else {
      throw new ConfigError(path, 'invalid replacement expression: 0-9 or \\ are required after \\');
    }
  }
  if (lit) parts.push(lit);
  return parts;
}

export function createStringFilter(spec: StringFilterSpec, path = ''): StringFilter {
  const re = compileStickyRegExp(spec.pattern, child(path, 'pattern'));
  return new RegexpFilter(re, parseReplacement(spec.replace, captureCount(re), child(path, 'replace')));
}

export type NumFilter = (value: number) => number;

export function createNumFilter(spec: NumFilterSpec): NumFilter {
  switch (spec.method) {
    case 'add': {
      const add = spec.value;
      return (v) => v + add;
    }
    case 'linear_normalization': {
      const { min, max, truncate } = spec;
      return (v) => {
        if (truncate) {
          if (max < v) return 1;
          if (v < min) return 0;
        }
        return (v - min) / (max - min);
      };
    }
    case 'gaussian_normalization': {
      const { average, standardDeviation } = spec;
      return (v) => (v - average) / standardDeviation;
    }
    case 'sigmoid_normalization': {
      const { gain, bias } = spec;
      return (v) => 1 / (1 + Math.exp(-gain * (v - bias)));
    }
  }
}
