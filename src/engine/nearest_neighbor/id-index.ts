/**
 * id → row index for the column table: open addressing with linear probing over an Int32Array
 * of row numbers (+1, 0 = empty), comparing against the table's own id array.
 *
 * A Map<string, number> costs about 30 bytes per entry in V8 (three tagged slots per entry plus
 * buckets), about as much as all the typed columns of a row together; this index costs 8–16
 * bytes per row at a load factor of at most 1/2, which is what keeps a 1M-row hash_num-64
 * euclid_lsh table under 64 bytes per row (ids themselves aside). Lookups hash the id with FNV-1a
 * over UTF-16 code units, a few ns for typical ids and only on set_row and *_from_id.
 * The nearest_neighbor server never deletes; the NN classifier and regression do (delete_label,
 * unlearner), and deletion shifts the probe chain back instead of leaving tombstones.
 */
const MIN_SLOTS = 1024;

export function hashId(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  // Final avalanche so the low bits used for the slot depend on every character.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

export class IdIndex {
  private slots: Int32Array;
  private mask: number;
  size = 0;

  constructor(
    /** The table's id array, by row; the index stores row numbers only. */
    private ids: readonly string[],
    expected = 0,
  ) {
    let cap = MIN_SLOTS;
    while (cap < expected * 2) cap *= 2;
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
  }

  get(id: string): number | undefined {
    return this.getHashed(id, hashId(id));
  }

  /** `get` with `hashId(id)` already known (MIX applies hash each id once). */
  getHashed(id: string, hash: number): number | undefined {
    const slots = this.slots, mask = this.mask, ids = this.ids;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === 0) return undefined;
      if (ids[s - 1] === id) return s - 1;
    }
  }

  /** Records that `ids[row]` (a new id) lives at `row`. */
  add(row: number): void {
    this.addHashed(row, hashId(this.ids[row]!));
  }

  addHashed(row: number, hash: number): void {
    if ((this.size + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    this.place(row, hash);
    this.size++;
  }

  /** Makes room for `rows` entries at once, so a MIX adding many rows rehashes at most once. */
  reserve(rows: number): void {
    let cap = this.slots.length;
    while (cap < rows * 2) cap *= 2;
    if (cap !== this.slots.length) this.rehash(cap);
  }

  private place(row: number, hash = hashId(this.ids[row]!)): void {
    const slots = this.slots, mask = this.mask;
    let i = hash & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = row + 1;
  }

  private rehash(cap: number): void {
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
    for (let r = 0; r < this.size; r++) this.place(r);
  }

  private slotOf(row: number): number {
    const slots = this.slots, mask = this.mask;
    for (let i = hashId(this.ids[row]!) & mask; ; i = (i + 1) & mask) if (slots[i] === row + 1) return i;
  }

  /**
   * Forgets `row` and records that the table's last row `last` now lives at `row` (the column
   * table deletes by moving its last row into the hole). Call before the id array changes.
   */
  remove(row: number, last: number): void {
    const slots = this.slots, mask = this.mask;
    let hole = this.slotOf(row);
    // Backward-shift deletion: pull later entries of the probe chain into the hole when their
    // home slot does not lie cyclically between the hole and where they sit.
    for (let j = (hole + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = hashId(this.ids[slots[j]! - 1]!) & mask;
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      slots[hole] = slots[j]!;
      hole = j;
    }
    slots[hole] = 0;
    this.size--;
    if (row !== last) slots[this.slotOf(last)] = row + 1;
  }

  /** Forgets everything and follows a new id array. */
  reset(ids: readonly string[]): void {
    this.ids = ids;
    this.size = 0;
    this.slots = new Int32Array(MIN_SLOTS);
    this.mask = MIN_SLOTS - 1;
  }

  /** Bytes held by the slot array. */
  get byteLength(): number {
    return this.slots.byteLength;
  }
}
