/**
 * Key matchers of converter rules (spec §2.2): "" / "*" all, "*XYZ" suffix (tested before the
 * prefix form, so "*a*" is the suffix "a*"), "XYZ*" prefix, "/RE/" regex, else exact. Jubatus's
 * default build uses Oniguruma's onig_match, which succeeds when the pattern matches at the
 * start of the key without having to consume all of it — a sticky JS RegExp at index 0.
 */
import { ConfigError } from '../../errors.js';

const ALL = 0;
const SUFFIX = 1;
const PREFIX = 2;
const REGEX = 3;
const EXACT = 4;
const EXCEPT = 5;
type Kind = typeof ALL | typeof SUFFIX | typeof PREFIX | typeof REGEX | typeof EXACT | typeof EXCEPT;

export class KeyMatcher {
  private constructor(
    private readonly kind: Kind,
    private readonly text: string,
    private readonly re: RegExp | null,
    private readonly inner: KeyMatcher | null,
    private readonly excluded: KeyMatcher | null,
  ) {}

  /** Compiles a key pattern; an invalid regex is a ConfigError at `path`. */
  static compile(pattern: string, path = ''): KeyMatcher {
    const n = pattern.length;
    if (n === 0 || pattern === '*') return new KeyMatcher(ALL, '', null, null, null);
    if (pattern[0] === '*') return new KeyMatcher(SUFFIX, pattern.slice(1), null, null, null);
    if (pattern[n - 1] === '*') return new KeyMatcher(PREFIX, pattern.slice(0, n - 1), null, null, null);
    if (n >= 2 && pattern[0] === '/' && pattern[n - 1] === '/') {
      return new KeyMatcher(REGEX, pattern, compileStickyRegExp(pattern.slice(1, n - 1), path), null, null);
    }
    return new KeyMatcher(EXACT, pattern, null, null, null);
  }

  /** A rule's matcher: `key` and, when given, NOT `except`. */
  static forRule(key: string, except: string | undefined, keyPath = '', exceptPath = ''): KeyMatcher {
    const m = KeyMatcher.compile(key, keyPath);
    if (except === undefined) return m;
    return new KeyMatcher(EXCEPT, '', null, m, KeyMatcher.compile(except, exceptPath));
  }

  /** True when every key matches, letting hot loops skip the call. */
  get matchesAll(): boolean {
    return this.kind === ALL;
  }

  matches(key: string): boolean {
    switch (this.kind) {
      case ALL:
        return true;
      case SUFFIX:
        return key.endsWith(this.text);
      case PREFIX:
        return key.startsWith(this.text);
      case REGEX: {
        const re = this.re!;
        re.lastIndex = 0;
        return re.test(key);
      }
      case EXACT:
        return key === this.text;
      default:
        return this.inner!.matches(key) && !this.excluded!.matches(key);
    }
  }
}

/**
 * A RegExp that only matches at `lastIndex` (Oniguruma's onig_match). Unicode mode when the
 * pattern allows it, since Oniguruma matches UTF-8 characters, not UTF-16 halves; some Perl
 * patterns (e.g. needless escapes like `\-`) are only legal without it.
 */
export function compileStickyRegExp(source: string, path: string): RegExp {
  try {
    return new RegExp(source, 'uy');
  } catch {
    try {
      return new RegExp(source, 'y');
    } catch (e) {
      throw new ConfigError(path, `invalid regular expression: ${source} (${(e as Error).message})`);
    }
  }
}

/** Number of capture groups in a compiled pattern. */
export function captureCount(re: RegExp): number {
  return new RegExp(`${re.source}|`, re.flags.replace('y', '')).exec('')!.length - 1;
}
