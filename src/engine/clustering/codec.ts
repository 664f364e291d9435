/**
 * Clustering's msgpack shapes, as 1.1.1 writes them in model files and MIX diffs:
 * weighted_point = `[id, weight(f64), [[key, value]…], datum]`; a storage's base =
 * `[revision, [[server_name, [weighted_point…]]…]]`.
 */
import { expectArray, expectNumber, expectString, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { emptyDatum, writeDatum, type Datum } from '../datum.js';
import type { WeightedPoint } from './points.js';
import type { NamedPoints } from './storage.js';

export function readDatum(v: MsgValue, what: string): Datum {
  const a = expectArray(v, what);
  if (a.length < 2 || a.length > 3) throw new TypeError(`${what}: expected a datum`);
  const d = emptyDatum();
  for (const e of expectArray(a[0]!, what)) {
    const [k, s] = expectArray(e, what, 2);
    d.stringValues.push([expectString(k!, what), expectString(s!, what)]);
  }
  for (const e of expectArray(a[1]!, what)) {
    const [k, n] = expectArray(e, what, 2);
    d.numValues.push([expectString(k!, what), expectNumber(n!, what)]);
  }
  if (a.length === 3) {
    for (const e of expectArray(a[2]!, what)) {
      const [k, b] = expectArray(e, what, 2);
      if (!(b instanceof Uint8Array)) throw new TypeError(`${what}: expected raw bytes`);
      d.binaryValues.push([expectString(k!, what), b.slice()]);
    }
  }
  return d;
}

export function writePoints(w: MsgWriter, points: readonly WeightedPoint[]): void {
  w.arrayHeader(points.length);
  for (const p of points) {
    w.arrayHeader(4);
    w.str(p.id);
    w.float64(p.weight);
    w.arrayHeader(p.keys.length);
    for (let i = 0; i < p.keys.length; i++) {
      w.arrayHeader(2);
      w.str(p.keys[i]!);
      w.float64(p.values[i]!);
    }
    writeDatum(w, p.original);
  }
}

export function readPoints(v: MsgValue, what: string): WeightedPoint[] {
  return expectArray(v, what).map((e) => {
    const [id, weight, fv, original] = expectArray(e, `${what} point`, 4);
    const keys: string[] = [];
    const values: number[] = [];
    for (const f of expectArray(fv!, `${what} features`)) {
      const [k, x] = expectArray(f, `${what} feature`, 2);
      keys.push(expectString(k!, what));
      values.push(expectNumber(x!, what));
    }
    return { id: expectString(id!, what), weight: expectNumber(weight!, what), keys, values, original: readDatum(original!, `${what} datum`) };
  });
}

export function writeNamed(w: MsgWriter, named: NamedPoints): void {
  w.arrayHeader(named.length);
  for (const [name, pts] of named) {
    w.arrayHeader(2);
    w.str(name);
    writePoints(w, pts);
  }
}

export function readNamed(v: MsgValue, what: string): NamedPoints {
  return expectArray(v, what).map((e) => {
    const [name, pts] = expectArray(e, what, 2);
    return [expectString(name!, what), readPoints(pts!, what)];
  });
}

