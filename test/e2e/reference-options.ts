/**
 * Where a reference scenario cannot be compared call for call, and why (see
 * shared/reference/engines/README.md, "What 1.1.1 itself does not reproduce"). Keyed by
 * scenario name (`classifier-NN`); each entry skips calls or compares them its own way.
 */
import type { ReplayOptions } from '../harness/reference.js';
import { compareCall } from '../harness/reference.js';

export const REPLAY_OPTIONS: Record<string, ReplayOptions> = {
  'weight-default': {
    // idl/weight.idl marks update and clear `update`, so juba counts them in update_count like
    // every other update (and they make MIX due, which jubaweight never reached: it crashes in
    // distributed mode). jubaweight 1.1.1 never increments update_count, so it reports "0".
    // Every other status key, and every other call, must match.
    compare: (c, a) => {
      if (c.method !== 'get_status') return 'default';
      const [server, keys] = Object.entries(c.result as Record<string, Record<string, string>>)[0]!;
      const { update_count: _ignored, ...rest } = keys;
      return compareCall({ ...c, result: { [server]: rest } }, a);
    },
  },
};
