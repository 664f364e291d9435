/**
 * The classifier's label counts (engine spec §5.4 "labels"): how many examples were trained per
 * label. Counts go to a local diff; get_labels reads master + diff; MIX sums the diffs and adds
 * them to the master. Model-file form `[master, diff, [version]]`, diff form a plain map.
 */
import { MsgpackError, expectArray, expectMap, expectString, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { readCount, readVersion, writeVersion } from '../common/version.js';
import type { LinearPart } from '../mixable.js';

export type LabelCounts = Map<string, number>;

export class Labels {
  private master: LabelCounts = new Map();
  private diff: LabelCounts = new Map();
  private version = 0;

  /** Label → count (master + diff), in first-seen order. */
  all(): LabelCounts {
    const out = new Map(this.master);
    for (const [k, v] of this.diff) out.set(k, (out.get(k) ?? 0) + v);
    return out;
  }

  has(label: string): boolean {
    return this.master.has(label) || this.diff.has(label);
  }

  get size(): number {
    let n = this.master.size;
    for (const k of this.diff.keys()) if (!this.master.has(k)) n++;
    return n;
  }

  /** One more example of `label`; the returned function takes it back (a train that failed). */
  increment(label: string): () => void {
    const before = this.diff.get(label);
    this.diff.set(label, (before ?? 0) + 1);
    return () => {
      if (before === undefined) this.diff.delete(label);
      else this.diff.set(label, before);
    };
  }

  /** One example of `label` forgotten (an unlearned NN row): at 0 or below 1.1.1 drops the label. */
  decrement(label: string): void {
    const n = (this.diff.get(label) ?? 0) - 1;
    if (n <= 0) this.diff.delete(label);
    else this.diff.set(label, n);
  }

  /** Replaces every count (the NN classifier recounts its rows after MIX); they become the diff. */
  replaceAll(counts: LabelCounts): void {
    this.diff = counts;
    this.master = new Map();
  }

  /** set_label: a new label with no examples; false when it already exists. */
  add(label: string): boolean {
    if (this.has(label)) return false;
    this.diff.set(label, 0);
    return true;
  }

  /** False when the label was unknown. */
  delete(label: string): boolean {
    const had = this.has(label);
    this.master.delete(label);
    this.diff.delete(label);
    return had;
  }

  clear(): void {
    this.master = new Map();
    this.diff = new Map();
  }

  pack(w: MsgWriter): void {
    w.arrayHeader(3);
    writeCounts(w, this.master);
    writeCounts(w, this.diff);
    writeVersion(w, this.version);
  }

  /** Checks a packed form; the returned function installs it. */
  unpack(v: MsgValue): () => void {
    const a = expectArray(v, 'labels', 3);
    const master = readCounts(a[0]!, 'labels master');
    const diff = readCounts(a[1]!, 'labels diff');
    const version = readVersion(a[2]!);
    return () => {
      this.master = master;
      this.diff = diff;
      this.version = version;
    };
  }

  /** The labels' linear mixable: the diff map; the fold sums; put_diff adds to the master. */
  part(): LinearPart<LabelCounts> {
    return {
      packDiff: (w) => writeCounts(w, this.diff),
      unpackDiff: (v) => readCounts(v, 'labels diff'),
      mixDiff: (acc, incoming) => {
        for (const [k, n] of incoming) acc.set(k, (acc.get(k) ?? 0) + n);
        return acc;
      },
      writeDiff: (w, d) => writeCounts(w, d),
      putDiff: (d) => {
        for (const [k, n] of d) this.master.set(k, (this.master.get(k) ?? 0) + n);
        this.diff = new Map();
        this.version++;
        return true;
      },
    };
  }
}

function writeCounts(w: MsgWriter, m: LabelCounts): void {
  w.mapHeader(m.size);
  for (const [k, n] of m) {
    w.str(k);
    w.int(n);
  }
}

function readCounts(v: MsgValue, what: string): LabelCounts {
  const out: LabelCounts = new Map();
  for (const [k, n] of expectMap(v, what).entries) {
    const label = expectString(k, `${what} label`);
    if (out.has(label)) throw new MsgpackError(`${what}: label ${label} twice`);
    out.set(label, readCount(n, `${what} count`));
  }
  return out;
}
