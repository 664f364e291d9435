/**
 * Replays a reference scenario's calls in-process, straight on an engine object (no server):
 * every IDL method's answer or error text is compared with 1.1.1's the way the e2e replay
 * compares them (floats within 1e-6 relative). Built-ins (get_config, get_status) are skipped.
 */
import { difference, type Scenario } from './reference.js';

function specialFloat(s: string): number {
  return s === 'NaN' ? NaN : s === 'Infinity' ? Infinity : s === '-Infinity' ? -Infinity : -0;
}

function expectedValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(expectedValue);
  if (v && typeof v === 'object') {
    const e = Object.entries(v);
    if (e.length === 1 && e[0]![0] === '$f') return specialFloat(e[0]![1] as string);
    return Object.fromEntries(e.map(([k, x]) => [k, expectedValue(x)]));
  }
  return v;
}

function plainResult(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plainResult(x)]));
  if (Array.isArray(v)) return v.map(plainResult);
  return v;
}

const BUILTINS = new Set(['get_config', 'get_status', 'save', 'load', 'do_mix']);

/** One line per differing call; `until` stops before that call index. */
export function replayInProcess(engine: object, s: Scenario, until = s.calls.length): string[] {
  const diffs: string[] = [];
  const e = engine as Record<string, (...a: unknown[]) => unknown>;
  s.calls.slice(0, until).forEach((c, i) => {
    if (BUILTINS.has(c.method)) return;
    let result: unknown;
    let error: string | undefined;
    try {
      result = e[c.method]!.apply(engine, c.args);
    } catch (err) {
      error = (err as Error).message;
    }
    const where = `#${i} ${c.method}(${JSON.stringify(c.args).slice(0, 80)})`;
    if (c.error !== undefined) {
      if (error !== c.error) diffs.push(`${where}: error ${JSON.stringify(error)} ≠ ${JSON.stringify(c.error)}`);
      return;
    }
    if (error !== undefined) {
      diffs.push(`${where}: unexpected error ${error}`);
      return;
    }
    let got = plainResult(result);
    let want = expectedValue(c.result);
    if (c.sorted && Array.isArray(got) && Array.isArray(want)) {
      const key = (x: unknown): string => JSON.stringify(x);
      got = [...got].sort((a, b) => (key(a) < key(b) ? -1 : 1));
      want = [...want].sort((a, b) => (key(a) < key(b) ? -1 : 1));
    }
    const d = difference(got, want);
    if (d) diffs.push(`${where}: ${d}`);
  });
  return diffs;
}
