/**
 * The linear storage's MIX part (engine spec §5.3, `linear_function_mixer`): get_diff is
 * `[count, [[[feature, [[label, [v1, v2, v3]], …]], …], [version]]]` over `tbl_diff` in its
 * iteration order; the fold averages weights by count (v1, v3), keeps the smaller covariance
 * (v2), a side without an entry counting as (0, 1, 0); put_diff adds the result to `tbl` when
 * the versions agree and clears `tbl_diff`.
 */
import { expectArray, expectNumber, expectString, MsgpackError, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { readVersion, writeVersion } from '../common/version.js';
import { compareUtf8 } from '../fv/sort-merge.js';
import type { LinearPart } from '../mixable.js';
import type { FeatureTable } from './feature-table.js';
import type { KeyManager } from '../common/key-manager.js';
import type { LinearStorage } from './storage.js';

/** One feature of a diff: labels and their (v1, v2, v3), flat. */
export interface DiffFeature {
  key: string;
  labels: string[];
  vals: number[];
}

export interface StorageDiff {
  count: number;
  features: DiffFeature[];
  version: number;
}

/** Decides, on put_diff, which labels stay (the classifier's label unlearner). */
export interface LabelGate {
  /** Called for every label of the mixed diff first (errors ignored, as in 1.1.1). */
  touch(label: string): void;
  has(label: string): boolean;
}

export function storagePart(storage: () => LinearStorage, gate?: () => LabelGate | undefined): LinearPart<StorageDiff> {
  return {
    packDiff: (w) => {
      const s = storage();
      writeCountedDiff(w, 1, s.diff, s.keys, s.version);
    },
    unpackDiff: (v) => readDiff(v),
    mixDiff: (acc, incoming) => mixDiffs(acc, incoming),
    writeDiff: (w, d) => writeDiff(w, d),
    putDiff: (d) => putDiff(storage(), d, gate?.()),
  };
}

function writeCountedDiff(w: MsgWriter, count: number, t: FeatureTable, keys: KeyManager, version: number): void {
  w.arrayHeader(2);
  w.int(count);
  w.arrayHeader(2);
  w.arrayHeader(t.size);
  for (let r = t.first(); r; r = r.next) {
    w.arrayHeader(2);
    w.str(r.key);
    w.arrayHeader(r.size);
    for (let j = 0; j < r.ids.length; j++) {
      w.arrayHeader(2);
      w.str(keys.keyOf(r.ids[j]!));
      writeVal3(w, r.vals, 3 * j);
    }
  }
  writeVersion(w, version);
}

function writeVal3(w: MsgWriter, vals: readonly number[], at: number): void {
  w.arrayHeader(3);
  w.float64(vals[at]!);
  w.float64(vals[at + 1]!);
  w.float64(vals[at + 2]!);
}

export function writeDiff(w: MsgWriter, d: StorageDiff): void {
  w.arrayHeader(2);
  w.int(d.count);
  w.arrayHeader(2);
  w.arrayHeader(d.features.length);
  for (const f of d.features) {
    w.arrayHeader(2);
    w.str(f.key);
    w.arrayHeader(f.labels.length);
    for (let j = 0; j < f.labels.length; j++) {
      w.arrayHeader(2);
      w.str(f.labels[j]!);
      writeVal3(w, f.vals, 3 * j);
    }
  }
  writeVersion(w, d.version);
}

export function readDiff(v: MsgValue): StorageDiff {
  const top = expectArray(v, 'linear storage diff', 2);
  const count = expectNumber(top[0]!, 'linear storage diff count');
  if (!Number.isInteger(count)) throw new MsgpackError('linear storage diff count: expected an integer');
  const body = expectArray(top[1]!, 'linear storage diff', 2);
  const features = expectArray(body[0]!, 'linear storage diff features').map((fv): DiffFeature => {
    const pair = expectArray(fv, 'linear storage diff feature', 2);
    const labels: string[] = [];
    const vals: number[] = [];
    for (const lv of expectArray(pair[1]!, 'linear storage diff labels')) {
      const lp = expectArray(lv, 'linear storage diff label', 2);
      labels.push(expectString(lp[0]!, 'linear storage diff label'));
      for (const x of expectArray(lp[1]!, 'linear storage diff value', 3)) vals.push(expectNumber(x, 'linear storage diff value'));
    }
    return { key: expectString(pair[0]!, 'linear storage diff feature'), labels, vals };
  });
  return { count, features, version: readVersion(body[1]!) };
}

/**
 * The master's fold, `mix(lhs = incoming, mixed = acc)`: equal versions combine, a newer
 * incoming diff replaces the accumulator, an older one is ignored.
 */
export function mixDiffs(acc: StorageDiff, incoming: StorageDiff): StorageDiff {
  if (incoming.version > acc.version) return incoming;
  if (incoming.version < acc.version) return acc;
  const w1 = incoming.count;
  const w2 = acc.count;
  const features = mergeSorted(
    incoming.features,
    acc.features,
    (f) => f.key,
    (l, r) => mixFeature(w1, w2, l, r),
    (key) => ({ key, labels: [], vals: [] }),
  );
  return { count: w1 + w2, features, version: acc.version };
}

/** One label's entry: its index in a feature, as a handle for mergeSorted. */
interface Entry {
  label: string;
  v1: number;
  v2: number;
  v3: number;
}

function mixFeature(w1: number, w2: number, l: DiffFeature, r: DiffFeature): DiffFeature {
  const entries = (f: DiffFeature): Entry[] =>
    f.labels.map((label, j) => ({ label, v1: f.vals[3 * j]!, v2: f.vals[3 * j + 1]!, v3: f.vals[3 * j + 2]! }));
  const mixed = mergeSorted(
    entries(l),
    entries(r),
    (e) => e.label,
    (a, b) => ({
      label: a.label,
      v1: (w1 * a.v1 + w2 * b.v1) / (w1 + w2),
      v2: b.v2 < a.v2 ? b.v2 : a.v2,
      v3: (w1 * a.v3 + w2 * b.v3) / (w1 + w2),
    }),
    (label) => ({ label, v1: 0, v2: 1, v3: 0 }),
  );
  return { key: l.key, labels: mixed.map((e) => e.label), vals: mixed.flatMap((e) => [e.v1, e.v2, e.v3]) };
}

/**
 * C++ `detail::binop`: both sides sorted by key; keys of the left side are combined in place
 * (with the right's value or a default), keys only on the right are appended after them.
 */
function mergeSorted<T>(
  lhs: readonly T[],
  rhs: readonly T[],
  keyOf: (t: T) => string,
  f: (l: T, r: T) => T,
  blank: (key: string) => T,
): T[] {
  const byKey = (a: T, b: T): number => compareUtf8(keyOf(a), keyOf(b));
  const l = [...lhs].sort(byKey);
  const r = [...rhs].sort(byKey);
  const out = l.slice();
  let li = 0;
  for (const rv of r) {
    const rk = keyOf(rv);
    while (li < l.length && compareUtf8(keyOf(l[li]!), rk) < 0) {
      out[li] = f(l[li]!, blank(keyOf(l[li]!)));
      li++;
    }
    if (li < l.length && keyOf(l[li]!) === rk) {
      out[li] = f(l[li]!, rv);
      li++;
    } else {
      out.push(f(blank(rk), rv));
    }
  }
  for (; li < l.length; li++) out[li] = f(l[li]!, blank(keyOf(l[li]!)));
  return out;
}

/** put_diff: false (obsolete) when the diff was built for another model version. */
export function putDiff(s: LinearStorage, d: StorageDiff, gate: LabelGate | undefined): boolean {
  if (d.version !== s.version) return false;
  if (gate) for (const f of d.features) for (const label of f.labels) gate.touch(label);
  for (const f of d.features) {
    const row = s.tbl.row(f.key);
    for (let j = 0; j < f.labels.length; j++) {
      if (gate && !gate.has(f.labels[j]!)) continue;
      const i = row.slot(s.keys.getId(f.labels[j]!));
      row.vals[3 * i] += f.vals[3 * j]!;
      row.vals[3 * i + 1] += f.vals[3 * j + 1]!;
      row.vals[3 * i + 2] += f.vals[3 * j + 2]!;
    }
  }
  s.version++;
  s.diff.clear();
  return true;
}
