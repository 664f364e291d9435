/**
 * Row ids of the NN and inverted-index classifiers and regressions (engine spec §6.4, §7): 8
 * characters from [a-zA-Z0-9] drawn as 1.1.1 draws them (mtrand next_int(62)), after an optional
 * `label_` prefix. 1.1.1 seeds its generator from the clock, so ids are not reproducible there
 * either; tests may pass a seeded generator.
 */
import { Mt19937 } from './mt19937.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A seed from the clock and Math.random, for generators 1.1.1 seeds from the time. */
export function clockSeed(): number {
  return (Date.now() ^ Math.floor(Math.random() * 0x100000000)) >>> 0;
}

export class RowIdMaker {
  constructor(private readonly rng: Mt19937 = new Mt19937(clockSeed())) {}

  /** `prefix` + 8 random characters. */
  next(prefix = ''): string {
    let s = prefix;
    for (let i = 0; i < 8; i++) s += ALPHABET[this.rng.nextIntBelow(62)];
    return s;
  }
}

/** The label of an NN classifier row id: everything before its last `_` (all of it when none). */
export function labelOfRowId(id: string): string {
  const i = id.lastIndexOf('_');
  return i < 0 ? id : id.slice(0, i);
}
