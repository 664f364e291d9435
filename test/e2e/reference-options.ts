/**
 * Where a reference scenario cannot be compared call for call, and why (see
 * shared/reference/engines/README.md, "What 1.1.1 itself does not reproduce"). Keyed by
 * scenario name (`classifier-NN`); each entry skips calls or compares them its own way.
 */
import type { ReplayOptions } from '../harness/reference.js';

export const REPLAY_OPTIONS: Record<string, ReplayOptions> = {};
