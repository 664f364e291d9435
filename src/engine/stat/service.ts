/**
 * The stat engine (engine spec §10): per-key sum, stddev, min, max and moments over one global
 * sliding window, and the entropy of the keys' frequencies. Model file: 1.1.1's
 * `[window_size, window, stats, e, n]`; MIX has one part, `(Σ n_k ln n_k, Σ n_k)`, summed over
 * the members and kept as the global (e, n) the entropy uses after the first MIX.
 */
import { expectArray, expectMap, expectNumber, expectString, MsgpackError, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { ConfigError } from '../../errors.js';
import { asObject, checkKeys, reqInt } from '../config-cast.js';
import type { Engine, EngineOptions, LinearMixable, ShippedEngineFactory } from '../engine.js';
import { composeLinear, type LinearPart } from '../mixable.js';
import type { StatService } from './service-types.js';
import { StatWindow, type KeyStats } from './window.js';

/** The stat diff: `(Σ n_k ln n_k, Σ n_k)`. */
export type StatDiff = [e: number, n: number];

export class StatEngine implements Engine, StatService {
  readonly type = 'stat';
  readonly userDataVersion = 1;
  private window: StatWindow;
  /** The mixed (Σ n ln n, Σ n); n = 0 means never mixed. */
  private e = 0;
  private n = 0;

  constructor(
    windowSize: number,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.window = new StatWindow(windowSize);
  }

  push(key: string, value: number): boolean {
    // 1.1.1 stores NaN and ±Infinity too, after which the key's sums stay NaN/∞ even once the
    // value leaves the window; refusing keeps the series usable.
    if (!Number.isFinite(value)) throw new Error(`push: value of key ${key} is not finite (${value}); it was not stored`);
    this.window.push(this.now(), key, value);
    return true;
  }

  private lookup(method: string, key: string): KeyStats {
    const st = this.window.stats.get(key);
    if (!st) throw new Error(`${method}: key ${key} not found`);
    return st;
  }

  sum(key: string): number {
    return this.lookup('sum', key).sum;
  }

  stddev(key: string): number {
    const st = this.lookup('stddev', key);
    return Math.sqrt(this.moment(key, 2, st.sum / st.n));
  }

  max(key: string): number {
    return this.lookup('max', key).max;
  }

  min(key: string): number {
    return this.lookup('min', key).min;
  }

  entropy(_key: string): number {
    if (this.n === 0) {
      let total = 0;
      for (const st of this.window.stats.values()) total += st.n;
      let ret = 0;
      for (const st of this.window.stats.values()) {
        const pr = st.n / total;
        ret += pr * Math.log(pr);
      }
      // -1 · 0 = -0: 1.1.1 answers an empty window with negative zero.
      return -1.0 * ret;
    }
    return Math.log(this.n) - this.e / this.n;
  }

  moment(key: string, degree: number, center: number): number {
    if (degree < 0) return -1;
    const st = this.lookup('moment', key);
    if (degree === 0) return 1;
    if (degree === 1) return (st.sum - center * st.n) / st.n;
    if (degree === 2) return (st.sum2 - 2 * st.sum * center) / st.n + center * center;
    let ret = 0;
    const w = this.window;
    for (let i = 0; i < w.size; i++) {
      if (w.keyAt(i) === key) ret += Math.pow(w.valueAt(i) - center, degree);
    }
    return ret / st.n;
  }

  clear(): boolean {
    this.window.clear();
    return true;
  }

  status(): Record<string, string> {
    // storage as 1.1.1; the window's fill and key count are juba's (the size dashboards show).
    return { storage: 'stat', window_count: String(this.window.size), key_count: String(this.window.stats.size) };
  }

  packModel(w: MsgWriter): void {
    const win = this.window;
    w.arrayHeader(5);
    w.int(win.windowSize);
    w.arrayHeader(win.size);
    for (let i = 0; i < win.size; i++) {
      w.arrayHeader(2);
      w.int(win.timeAt(i));
      w.arrayHeader(2);
      w.str(win.keyAt(i));
      w.float64(win.valueAt(i));
    }
    w.mapHeader(win.stats.size);
    for (const [k, st] of win.stats) {
      w.str(k);
      w.arrayHeader(5);
      w.int(st.n);
      w.float64(st.sum);
      w.float64(st.sum2);
      w.float64(st.max);
      w.float64(st.min);
    }
    w.float64(this.e);
    w.float64(this.n);
  }

  unpackModel(v: MsgValue): void {
    const top = expectArray(v, 'stat model', 5);
    const windowSize = expectNumber(top[0]!, 'stat window_size');
    if (!Number.isInteger(windowSize) || windowSize < 1) throw new MsgpackError('stat window_size: expected an integer >= 1');
    const win = new StatWindow(windowSize);
    for (const entry of expectArray(top[1]!, 'stat window')) {
      const [t, kv] = expectArray(entry, 'stat window entry', 2);
      const [k, x] = expectArray(kv!, 'stat window value', 2);
      win.append(expectNumber(t!, 'stat window time'), expectString(k!, 'stat window key'), expectNumber(x!, 'stat window value'));
    }
    for (const [k, sv] of expectMap(top[2]!, 'stat stats').entries) {
      const f = expectArray(sv, 'stat key stats', 5).map((x) => expectNumber(x, 'stat key stats'));
      win.stats.set(expectString(k, 'stat key'), { n: f[0]!, sum: f[1]!, sum2: f[2]!, max: f[3]!, min: f[4]! });
    }
    const e = expectNumber(top[3]!, 'stat e');
    const n = expectNumber(top[4]!, 'stat n');
    this.window = win;
    this.e = e;
    this.n = n;
  }

  /** get_diff: this member's (Σ n_k ln n_k, Σ n_k) over the keys in its window. */
  localDiff(): StatDiff {
    let e = 0;
    let n = 0;
    for (const st of this.window.stats.values()) {
      e += st.n * Math.log(st.n);
      n += st.n;
    }
    return [e, n];
  }

  linearMixable(): LinearMixable<unknown[]> {
    return composeLinear('stat', [this.statPart()]);
  }

  private statPart(): LinearPart<StatDiff> {
    const write = (w: MsgWriter, d: StatDiff): void => {
      w.arrayHeader(2);
      w.float64(d[0]);
      w.int(d[1]);
    };
    return {
      packDiff: (w) => write(w, this.localDiff()),
      unpackDiff: (v) => {
        const [e, n] = expectArray(v, 'stat diff', 2);
        const count = expectNumber(n!, 'stat diff count');
        if (!Number.isInteger(count) || count < 0) throw new MsgpackError('stat diff count: expected a non-negative integer');
        return [expectNumber(e!, 'stat diff entropy sum'), count];
      },
      mixDiff: (acc, incoming) => [acc[0] + incoming[0], acc[1] + incoming[1]],
      writeDiff: write,
      putDiff: (d) => {
        this.e = d[0];
        this.n = d[1];
        return true;
      },
    };
  }
}

export function parseStatConfig(config: unknown): number {
  const root = asObject(config, '');
  checkKeys(root, ['window_size'], '');
  const windowSize = reqInt(root, 'window_size', '');
  if (windowSize < 1 || windowSize > 2147483647) throw new ConfigError('window_size', `must be an int32 >= 1 (1 <= window_size), got ${windowSize}`);
  return windowSize;
}

// `satisfies` keeps create's StatEngine result for embedders and tests.
export const statFactory = {
  type: 'stat',
  presets: {
    // push is stat's only update: a message is its argument list, [key, value].
    feed: { method: 'push', wrap: false, example: '["temperature", 21.5]' },
    // entropy never fails on an unknown key (it ignores it), so a benchmark can repeat it on any model.
    bench: { method: 'entropy', args: [''] },
    size: { keys: ['window_count'], label: 'VALUES' },
  },
  create(config: unknown, _options: EngineOptions): StatEngine {
    return new StatEngine(parseStatConfig(config));
  },
} satisfies ShippedEngineFactory;
