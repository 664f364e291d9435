/**
 * Signature storage in WebAssembly memory plus a Hamming pre-filter that runs there. V8 has no
 * popcount intrinsic for JS numbers, and the 16-bit lookup table costs four loads per 64-bit row;
 * wasm's `i64.popcnt` is one instruction, which makes the filter several times faster.
 *
 * The module is written out by hand (no wat toolchain here) and compiled synchronously once:
 * it is a few hundred bytes, so `new WebAssembly.Module` stays cheap and the engine stays
 * synchronous. Each store owns one shared memory, so the server's analysis threads (`-c`) scan
 * the same signatures with no copy: every thread instantiates the module over it and scans
 * with its own scratch slot. The memory is laid out as
 *
 *   slot t, t < MAX_SCAN_THREADS   survivor pairs (row, h) as little-endian int32 (SCAN_BLOCK at
 *                                  most), then the query signature for multi-word scans
 *   [sigOffset, …)                 signatures, `words` uint32 per row: the RowTable layout
 *                                  unchanged, so a 64-bit row is one little-endian i64
 *
 * Slots nobody scans with are never touched, so they cost address space, not memory.
 *
 * The scan only reports rows whose Hamming distance is ≤ a bound; scores, ties and the heap stay
 * in JS (search.ts), so results are those of the JS path bit for bit.
 */

/** Most rows one scan call may cover: the survivor region holds one pair per row. */
export const SCAN_BLOCK = 4096;
/** Threads that can scan one store at once: the main thread (slot 0) and the workers. */
export const MAX_SCAN_THREADS = 64;
const OUT_BYTES = SCAN_BLOCK * 8;
const PAGE = 65536;
/** wasm32's ceiling, and the shared memory's declared maximum: shared memory never moves. */
const MAX_PAGES = 65536;

// --- a minimal wasm assembler: just the opcodes the two scan loops use -----------------------

const I32 = 0x7f;
const I64 = 0x7e;
const op = {
  block: 0x02, loop: 0x03, if: 0x04, end: 0x0b, br: 0x0c, brIf: 0x0d, void: 0x40,
  get: 0x20, set: 0x21, tee: 0x22,
  i32Load: 0x28, i64Load: 0x29, i32Store: 0x36,
  i32Const: 0x41, i32GtU: 0x4b, i32GeU: 0x4f, i32LeU: 0x4d,
  i32Popcnt: 0x69, i32Add: 0x6a, i32Xor: 0x73, i32Shl: 0x74,
  i64Popcnt: 0x7b, i64Or: 0x84, i64Xor: 0x85, i64Shl: 0x86,
  i32WrapI64: 0xa7, i64ExtendI32U: 0xad, i64Const: 0x42,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** A function body: local declarations (one entry per local) then code. */
function body(locals: number[], code: number[]): number[] {
  const decl = vec(locals.map((t) => [1, t]));
  const all = [...decl, ...code, op.end];
  return [...uleb(all.length), ...all];
}

const get = (i: number) => [op.get, i];
const set = (i: number) => [op.set, i];
const tee = (i: number) => [op.tee, i];
const i32c = (v: number) => [op.i32Const, ...sleb(v)];
// Alignment hints (log2 bytes): 4 bytes, since rows of an odd word count put i64 loads off 8.
const load64 = (offset = 0) => [op.i64Load, 2, ...uleb(offset)];
const load32 = (offset = 0) => [op.i32Load, 2, ...uleb(offset)];
const store32 = (offset = 0) => [op.i32Store, 2, ...uleb(offset)];

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/**
 * When h ≤ bound, records row `i + j` with distance `h` at slot `c` and bumps `c`. A branch
 * measured faster than a branch-free store-and-advance (45 vs 82 µs per 100k rows): once the
 * threshold settles survivors are rare and the branch predicts well.
 */
function emitRecord(out: number, c: number, i: number, j: number, h: number, bound: number, tmp: number): number[] {
  return [
    ...get(h), ...get(bound), op.i32LeU, op.if, op.void,
    ...get(out), ...get(c), ...i32c(3), op.i32Shl, op.i32Add, ...tee(tmp),
    ...get(i), ...i32c(j), op.i32Add, ...store32(0),
    ...get(tmp), ...get(h), ...store32(4),
    ...get(c), ...i32c(1), op.i32Add, ...set(c),
    op.end,
  ];
}

const UNROLL = 4;

/**
 * s1(q0, q1, p, n, bound, out, row0) → count: one i64 per row (hash_num ≤ 64, 2 words). Four
 * rows per iteration, then a row-at-a-time tail.
 */
function scan1(): number[] {
  const [q0, q1, p, n, bound, out, row0] = [0, 1, 2, 3, 4, 5, 6];
  const [q, c, i, h, tmp, end] = [7, 8, 9, 10, 11, 12];
  const row = (j: number) => [
    ...get(p), ...load64(8 * j), ...get(q), op.i64Xor, op.i64Popcnt, op.i32WrapI64, ...set(h),
    ...emitRecord(out, c, i, j, h, bound, tmp),
  ];
  const loop = (step: number, exitIf: number[]) => [
    op.block, op.void, op.loop, op.void,
    ...exitIf, op.brIf, 1,
    ...Array.from({ length: step }, (_, j) => row(j)).flat(),
    ...get(p), ...i32c(8 * step), op.i32Add, ...set(p),
    ...get(i), ...i32c(step), op.i32Add, ...set(i),
    op.br, 0, op.end, op.end,
  ];
  return body([I64, I32, I32, I32, I32, I32], [
    ...get(q0), op.i64ExtendI32U, ...get(q1), op.i64ExtendI32U, op.i64Const, 32, op.i64Shl, op.i64Or, ...set(q),
    ...get(row0), ...set(i), ...get(row0), ...get(n), op.i32Add, ...set(end),
    ...loop(UNROLL, [...get(i), ...i32c(UNROLL), op.i32Add, ...get(end), op.i32GtU]),
    ...loop(1, [...get(i), ...get(end), op.i32GeU]),
    ...get(c),
  ]);
}

/**
 * sn(qp, w64, odd, stride, p, n, bound, out, row0) → count: `w64` i64 words per row then, when
 * `odd`, one trailing i32 word; the query sits at `qp` in the same layout.
 */
function scanN(): number[] {
  const [qp, w64, odd, stride, p, n, bound, out, row0] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [c, i, h, tmp, k, off, end] = [9, 10, 11, 12, 13, 14, 15];
  return body([I32, I32, I32, I32, I32, I32, I32], [
    ...get(row0), ...set(i), ...get(row0), ...get(n), op.i32Add, ...set(end),
    op.block, op.void, op.loop, op.void,
    ...get(i), ...get(end), op.i32GeU, op.brIf, 1,
    ...i32c(0), ...set(h), ...i32c(0), ...set(k), ...i32c(0), ...set(off),
    op.block, op.void, op.loop, op.void,
    ...get(k), ...get(w64), op.i32GeU, op.brIf, 1,
    ...get(p), ...get(off), op.i32Add, ...load64(),
    ...get(qp), ...get(off), op.i32Add, ...load64(),
    op.i64Xor, op.i64Popcnt, op.i32WrapI64, ...get(h), op.i32Add, ...set(h),
    ...get(off), ...i32c(8), op.i32Add, ...set(off),
    ...get(k), ...i32c(1), op.i32Add, ...set(k),
    op.br, 0, op.end, op.end,
    ...get(odd), op.if, op.void,
    ...get(p), ...get(off), op.i32Add, ...load32(),
    ...get(qp), ...get(off), op.i32Add, ...load32(),
    op.i32Xor, op.i32Popcnt, ...get(h), op.i32Add, ...set(h),
    op.end,
    ...emitRecord(out, c, i, 0, h, bound, tmp),
    ...get(p), ...get(stride), op.i32Add, ...set(p),
    ...get(i), ...i32c(1), op.i32Add, ...set(i),
    op.br, 0, op.end, op.end,
    ...get(c),
  ]);
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const fnType = (params: number) => [0x60, ...vec(Array.from({ length: params }, () => [I32])), 1, I32];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([fnType(7), fnType(9)])),
    // Imported memory: shared (limits flag 3), 1 page at least, MAX_PAGES at most.
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x03, 0x01, ...uleb(MAX_PAGES)]])),
    ...section(3, vec([[0], [1]])),
    ...section(7, vec([[...name('s1'), 0x00, 0], [...name('sn'), 0x00, 1]])),
    ...section(10, vec([scan1(), scanN()])),
  ]);
}

// --- the store --------------------------------------------------------------------------------

interface ScanExports {
  s1(q0: number, q1: number, p: number, n: number, bound: number, out: number, row0: number): number;
  sn(qp: number, w64: number, odd: number, stride: number, p: number, n: number, bound: number, out: number, row0: number): number;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where WebAssembly is missing or refuses it (then JS scans). */
function scanModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = typeof WebAssembly === 'object' ? new WebAssembly.Module(moduleBytes()) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

export function wasmScanAvailable(): boolean {
  return scanModule() !== null;
}

/** What another thread needs to scan a store: its memory and row width (structured-cloneable). */
export interface SharedSigStore {
  memory: WebAssembly.Memory;
  words: number;
}

/** Signatures of up to `capacity` rows in shared wasm memory, and the scans over them. */
export class WasmSigStore {
  /** The signature column; replaced (same memory, longer view) whenever the memory grows. */
  sigs!: Uint32Array;
  /** Survivor pairs of the last scan: out[2j] = row, out[2j + 1] = Hamming distance. */
  out!: Int32Array;
  private qView!: Uint32Array;
  private readonly fn: ScanExports;
  private readonly sigOffset: number;
  private readonly slotOffset: number;
  private readonly w64: number;
  private readonly odd: number;
  private viewBytes = -1;

  private constructor(
    mod: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    readonly words: number,
    slot: number,
  ) {
    // 64-byte alignment keeps a row's words inside one cache line whenever they fit in one.
    const slotBytes = OUT_BYTES + Math.ceil((words * 4) / 64) * 64;
    this.slotOffset = slot * slotBytes;
    this.sigOffset = MAX_SCAN_THREADS * slotBytes;
    this.w64 = words >>> 1;
    this.odd = words & 1;
    this.fn = new WebAssembly.Instance(mod, { env: { mem: memory } }).exports as unknown as ScanExports;
    this.views();
  }

  /** A store for `capacity` rows, or null when WebAssembly is unavailable or memory is refused. */
  static create(words: number, capacity: number): WasmSigStore | null {
    const mod = scanModule();
    if (!mod) return null;
    try {
      const slotBytes = OUT_BYTES + Math.ceil((words * 4) / 64) * 64;
      const pages = Math.ceil((MAX_SCAN_THREADS * slotBytes + capacity * words * 4) / PAGE);
      const memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
      return new WasmSigStore(mod, memory, words, 0);
    } catch {
      return null;
    }
  }

  /** Another thread's scanner over the store `shared`, with scratch slot `slot` (1..MAX_SCAN_THREADS-1). */
  static attach(shared: SharedSigStore, slot: number): WasmSigStore {
    const mod = scanModule();
    if (!mod) throw new Error('WebAssembly is unavailable in this thread');
    if (!(slot > 0 && slot < MAX_SCAN_THREADS)) throw new RangeError(`scan slot ${slot} outside 1..${MAX_SCAN_THREADS - 1}`);
    return new WasmSigStore(mod, shared.memory, shared.words, slot);
  }

  /** The handle other threads attach to. */
  get shared(): SharedSigStore {
    return { memory: this.memory, words: this.words };
  }

  /** Rows the memory holds now. */
  get capacity(): number {
    return Math.floor((this.memory.buffer.byteLength - this.sigOffset) / (this.words * 4));
  }

  /**
   * Views over the memory as it is now. Another thread may have grown it: scanners that did not
   * grow it themselves call this (cheaply, it checks the length) before reading.
   */
  views(): void {
    const buf = this.memory.buffer;
    if (buf.byteLength === this.viewBytes) return;
    this.viewBytes = buf.byteLength;
    this.sigs = new Uint32Array(buf, this.sigOffset, this.capacity * this.words);
    this.out = new Int32Array(buf, this.slotOffset, SCAN_BLOCK * 2);
    this.qView = new Uint32Array(buf, this.slotOffset + OUT_BYTES, this.words);
  }

  /**
   * Makes room for `capacity` rows in place (rows already written stay put). False when the
   * memory cannot grow (wasm32 stops at 4 GiB): the caller then moves to a plain array.
   */
  grow(capacity: number): boolean {
    const need = Math.ceil((this.sigOffset + capacity * this.words * 4) / PAGE) - this.memory.buffer.byteLength / PAGE;
    try {
      if (need > 0) this.memory.grow(need);
    } catch {
      return false;
    }
    this.views();
    return true;
  }

  /** Bytes of the wasm memory, header included. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Rows `from`..`to`-1 (to − from ≤ SCAN_BLOCK) whose Hamming distance to q is ≤ bound (≥ 0;
   * compared unsigned) go to `out` in row order; returns how many.
   */
  scan(q: Uint32Array, qOff: number, from: number, to: number, bound: number): number {
    const W = this.words;
    const p = this.sigOffset + from * W * 4;
    if (W === 2) return this.fn.s1(q[qOff]!, q[qOff + 1]!, p, to - from, bound, this.slotOffset, from);
    this.qView.set(q.subarray(qOff, qOff + W));
    return this.fn.sn(this.slotOffset + OUT_BYTES, this.w64, this.odd, W * 4, p, to - from, bound, this.slotOffset, from);
  }
}
