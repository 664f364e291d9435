/**
 * The nearest_neighbor search on an analysis thread (`juba serve -c N`): it attaches to the
 * table's shared signatures and norms (RowTable.shared) and ranks prepared queries in place,
 * with rankQuery, the code the main thread runs. Loaded by the server's analysis threads only;
 * it imports nothing that holds model state.
 */
import type { AnalysisReader } from '../engine.js';
import { WasmSigStore } from './scan-wasm.js';
import { cosTable, rankQuery, type RankSource, type Ranked } from './search.js';
import type { SharedTable } from './table.js';

/** One query, prepared on the main thread (parallel.ts): signature, norm, k, rows to scan. */
export interface ScanTask {
  q: Uint32Array;
  norm: number;
  k: number;
  size: number;
}

class TableView implements RankSource {
  size = 0;
  sigs: Uint32Array;
  readonly norms: Float64Array | null;
  readonly scanner: WasmSigStore | null;
  readonly words: number;

  constructor(shared: SharedTable, slot: number) {
    this.words = shared.words;
    this.scanner = shared.store ? WasmSigStore.attach(shared.store, slot) : null;
    this.sigs = this.scanner ? this.scanner.sigs : new Uint32Array(shared.sigs!);
    this.norms = shared.norms ? new Float64Array(shared.norms) : null;
  }

  /** Rows visible to this task; the wasm memory may have grown since the last one. */
  at(size: number): this {
    this.size = size;
    if (this.scanner) {
      this.scanner.views();
      this.sigs = this.scanner.sigs;
    }
    return this;
  }
}

export function createReader(): AnalysisReader {
  let view: TableView | null = null;
  let cos: Float64Array | null = null;
  return {
    attach(shared: unknown, slot: number): void {
      const s = shared as SharedTable;
      view = new TableView(s, slot);
      if (s.norms && cos?.length !== s.hashNum + 1) cos = cosTable(s.hashNum);
      if (!s.norms) cos = null;
    },
    run(task: unknown): Ranked {
      if (!view) throw new Error('analysis thread has no table attached');
      const t = task as ScanTask;
      return rankQuery(view.at(t.size), cos, t.q, t.norm, t.k);
    },
  };
}
