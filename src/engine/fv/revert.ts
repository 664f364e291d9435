/**
 * Features back to datum values (spec §2.10), for recommender decode/complete and clustering
 * centers. Only `num`, num `str` and string `str` features carry enough to be reverted.
 */
import { emptyDatum, type Datum, type FeatureVector } from '../datum.js';

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function revertFeatures(fv: FeatureVector): Datum {
  const d = emptyDatum();
  for (let i = 0; i < fv.keys.length; i++) {
    const key = fv.keys[i]!;
    const num = revertNumValue(key, fv.values[i]!);
    if (num !== undefined) {
      d.numValues.push(num);
      continue;
    }
    const str = revertStringValue(key);
    if (str !== undefined) d.stringValues.push(str);
  }
  return d;
}

/** `<k>@num` → (k, value); `<k>@str$<text>` → (k, text as a number) when the text parses. */
export function revertNumValue(key: string, value: number): [string, number] | undefined {
  const at = key.lastIndexOf('@');
  if (at < 0) return undefined;
  const rest = key.slice(at + 1);
  if (rest === 'num') return [key.slice(0, at), value];
  if (rest.startsWith('str$')) {
    const text = rest.slice(4);
    if (DECIMAL.test(text)) return [key.slice(0, at), Number(text)];
  }
  return undefined;
}

/** `<k>$<text>@str#<sw>/<gw>` (splitter named exactly `str`) → (k, text). */
export function revertStringValue(key: string): [string, string] | undefined {
  const sharp = key.lastIndexOf('#');
  if (sharp < 0) return undefined;
  const at = key.lastIndexOf('@', sharp);
  if (at < 0) return undefined;
  const dollar = key.indexOf('$');
  if (dollar < 0) return undefined;
  if (key.slice(at + 1, sharp) !== 'str') return undefined;
  return [key.slice(0, dollar), key.slice(dollar + 1, at)];
}
