/**
 * One server's `get_status` keys (all strings) read as the numbers operators look at. Shared by
 * `juba ctl status` and `juba top`, so both read the keys the same way. Pure: no I/O.
 */
/** Which `get_status` keys give a model's size (the first one present wins), and its column title. */
export interface SizePreset {
  keys: readonly string[];
  label: string;
}

/** For services without presets (a user's IDL service, an engine juba does not serve). */
export const DEFAULT_SIZE: SizePreset = { keys: ['data', 'num_rows'], label: 'ROWS' };

export interface MemberStats {
  obsolete?: boolean;
  /** The model's size, read from the engine's size keys (rows, labels, features…). */
  rows?: number;
  uptimeSec?: number;
  rssKb?: number;
  updateCount?: number;
  analysisCount?: number;
  updateUsec?: number;
  analysisUsec?: number;
  /** Rounds this member ran as MIX master. */
  mixRounds?: number;
  /** Epoch seconds of the last MIX this member saw (0 = never). */
  mixLastTime?: number;
  mixLastDurationMs?: number;
  mixLastMembers?: number;
  mixLastBytes?: number;
  /** Epoch seconds of the last MIX this member took part in (Jubatus's mixer ticktime). */
  lastMix?: number;
}

const num = (s: string | undefined): number | undefined => {
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
};

function firstNum(s: Record<string, string>, keys: readonly string[]): number | undefined {
  for (const k of keys) {
    const n = num(s[k]);
    if (n !== undefined) return n;
  }
  return undefined;
}

export function memberStats(s: Record<string, string>, sizeKeys: readonly string[] = DEFAULT_SIZE.keys): MemberStats {
  const obsolete = s['linear_mixer.is_obsolete'];
  const ticktime = s['linear_mixer.ticktime'] ?? s['push_mixer.ticktime'];
  return {
    obsolete: obsolete === undefined ? undefined : obsolete === '1',
    rows: firstNum(s, sizeKeys),
    uptimeSec: num(s.uptime),
    rssKb: num(s.RSS),
    updateCount: num(s.update_count),
    analysisCount: num(s.analysis_count),
    updateUsec: num(s.update_usec_total),
    analysisUsec: num(s.analysis_usec_total),
    mixRounds: num(s['mix.rounds']),
    mixLastTime: num(s['mix.last_time'] ?? ticktime),
    mixLastDurationMs: num(s['mix.last_duration_ms']),
    mixLastMembers: num(s['mix.last_members']),
    mixLastBytes: num(s['mix.last_bytes']),
    lastMix: num(ticktime),
  };
}
