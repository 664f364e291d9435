/** A Jubatus datum: three ordered key/value lists. Order is preserved and duplicates are allowed. */
export interface Datum {
  stringValues: Array<[string, string]>;
  numValues: Array<[string, number]>;
  binaryValues: Array<[string, Uint8Array]>;
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
