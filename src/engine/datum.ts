import type { MsgWriter } from '../msgpack/writer.js';

/** A Jubatus datum: three ordered key/value lists. Order is preserved and duplicates are allowed. */
export interface Datum {
  stringValues: Array<[string, string]>;
  numValues: Array<[string, number]>;
  binaryValues: Array<[string, Uint8Array]>;
}

/** A datum on the wire: `[[[key, string]…], [[key, double]…], [[key, raw]…]]`. */
export function writeDatum(w: MsgWriter, d: Datum): void {
  w.arrayHeader(3);
  w.arrayHeader(d.stringValues.length);
  for (const [k, s] of d.stringValues) {
    w.arrayHeader(2);
    w.str(k);
    w.str(s);
  }
  w.arrayHeader(d.numValues.length);
  for (const [k, n] of d.numValues) {
    w.arrayHeader(2);
    w.str(k);
    w.float64(n);
  }
  w.arrayHeader(d.binaryValues.length);
  for (const [k, b] of d.binaryValues) {
    w.arrayHeader(2);
    w.str(k);
    w.raw(b);
  }
}

export function emptyDatum(): Datum {
  return { stringValues: [], numValues: [], binaryValues: [] };
}

/**
 * A sparse feature vector in conversion order (duplicates allowed), kept as two parallel
 * arrays so hot paths avoid one object per feature.
 */
export interface FeatureVector {
  keys: string[];
  values: number[];
}
