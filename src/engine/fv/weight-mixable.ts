/**
 * The weight manager as one linear mixable (engine spec §5.4): `[keyword_weights, [version]]`.
 * Engines with a converter register it last, as Jubatus's drivers do. The converter may swap
 * its manager (load, MIX catch-up), so the part asks the converter for the current one.
 */
import type { MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import type { LinearPart } from '../mixable.js';
import type { DatumToFvConverter } from './converter.js';
import { WeightManager, type WeightDiff } from './weight-manager.js';

export function weightManagerPart(converter: DatumToFvConverter): LinearPart<WeightDiff> {
  return {
    packDiff: (w: MsgWriter) => converter.weights.packDiff(w),
    unpackDiff: (v: MsgValue) => WeightManager.readDiff(v),
    mixDiff: (acc, incoming) => WeightManager.mixDiff(acc, incoming),
    writeDiff: (w, d) => WeightManager.writeDiff(w, d),
    putDiff: (d) => converter.weights.putDiff(d),
  };
}

/** Jubatus's weight-manager `get_status` keys (classifier, weight, …). */
export function weightManagerStatus(wm: WeightManager): Record<string, string> {
  const { version, diff, master } = wm.snapshot();
  const keys = (prefix: string, k: typeof diff): Record<string, string> => ({
    [`${prefix}_document_count`]: String(k.documentCount),
    [`${prefix}_num_document_frequencies`]: String(k.df.size),
    [`${prefix}_num_group_frequencies`]: String(k.groupFreq.size),
    [`${prefix}_num_group_total_lengths`]: String(k.groupTotalLen.size),
    [`${prefix}_num_weights`]: String(k.userWeights.size),
  });
  return { ...keys('diff', diff), ...keys('master', master), weight_manager_version: String(version) };
}
