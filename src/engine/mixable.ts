/**
 * A Jubatus driver registers its linear mixables in order (a model storage, the label counts,
 * the weight manager, …) and every MIX payload is the array of their diffs in that order.
 * `composeLinear` turns an engine's parts into the one LinearMixable the mixer drives, so no
 * engine writes the array framing, the per-part fold or the all-parts put_diff itself.
 */
import { expectArray, type MsgValue } from '../msgpack/reader.js';
import type { MsgWriter } from '../msgpack/writer.js';
import type { LinearMixable } from './engine.js';

/** One linear mixable: the same five operations, on a single element of the payload array. */
export type LinearPart<D> = LinearMixable<D>;

/** Any part; the composite keeps each part's diff next to the part that made it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyPart = LinearPart<any>;

export function composeLinear(name: string, parts: readonly AnyPart[]): LinearMixable<unknown[]> {
  return {
    packDiff(w: MsgWriter): void {
      w.arrayHeader(parts.length);
      for (const p of parts) p.packDiff(w);
    },
    unpackDiff(v: MsgValue): unknown[] {
      const a = expectArray(v, `${name} diff`, parts.length);
      return parts.map((p, i) => p.unpackDiff(a[i]!));
    },
    mixDiff(acc: unknown[], incoming: unknown[]): unknown[] {
      return parts.map((p, i) => p.mixDiff(acc[i], incoming[i]));
    },
    writeDiff(w: MsgWriter, d: unknown[]): void {
      w.arrayHeader(parts.length);
      parts.forEach((p, i) => p.writeDiff(w, d[i]));
    },
    /** Every part applies its share even when an earlier one refused (Jubatus does the same). */
    putDiff(d: unknown[]): boolean {
      let ok = true;
      parts.forEach((p, i) => {
        if (!p.putDiff(d[i])) ok = false;
      });
      return ok;
    },
  };
}
