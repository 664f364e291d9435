/**
 * nearest_neighbor's analysis methods on the server's analysis threads: the query is looked up
 * or signed here, ranked there over the shared table (scan-reader.ts), and turned into ids and
 * scores here, exactly as the engine's own methods do it in one piece.
 */
import type { Datum } from '../datum.js';
import type { ParallelAnalysis } from '../engine.js';
import type { DatumToFvConverter } from '../fv/converter.js';
import type { NearestNeighborModel, PreparedQuery } from './model.js';
import { MAX_SCAN_THREADS } from './scan-wasm.js';
import type { ScanTask } from './scan-reader.js';
import type { Ranked } from './search.js';

const READER = new URL('./scan-reader.js', import.meta.url).href;
const METHODS = new Set(['similar_row_from_id', 'similar_row_from_datum', 'neighbor_row_from_id', 'neighbor_row_from_datum']);

/** `model()` and `converter()` are read per call: a model load may replace what they return. */
export function nnParallel(model: () => NearestNeighborModel, converter: () => DatumToFvConverter): ParallelAnalysis {
  return {
    readerModule: READER,
    maxThreads: MAX_SCAN_THREADS,
    has: (method) => METHODS.has(method),
    shared: () => model().table.shared(),
    begin(method, args) {
      const m = model();
      const size = args[1] as number;
      let p: PreparedQuery | null;
      if (method.endsWith('_from_id')) p = m.queryFromId(args[0] as string, size);
      // As the engine's own method: no conversion when nothing can rank.
      else p = size <= 0 || m.size === 0 ? null : m.queryFromFv(converter().convert(args[0] as Datum), size);
      if (!p || p.k <= 0) return { result: [] };
      const task: ScanTask = { q: m.query.slice(), norm: p.norm, k: p.k, size: m.size };
      return { task };
    },
    end(method, _args, reply) {
      const m = model();
      return method.startsWith('similar_') ? m.similarities(reply as Ranked) : m.distances(reply as Ranked);
    },
  };
}
