/**
 * `juba feed --durable`: the part of the progress line that says what the feed waits for, so
 * that a message never waits for a MIX silently: ZooKeeper failing, no MIX trigger in the
 * cluster, or a server that holds messages and merges nothing (its interval MIX stalled, e.g.
 * after a ZooKeeper restart) although it is still in `nodes/`. `--idle-exit` ends such a feed
 * as any other; the waiting messages stay unacknowledged.
 */
import type { MixTriggers } from './await-budget.js';
import type { StalledServer } from './merge-tracker.js';

export interface WaitView {
  awaiting: number;
  /** --await-merge now. */
  limit: number;
  zkFailing: string | null;
  mix: MixTriggers;
  /** Servers with messages and no merge for `stallAfterMs(mix)` (MergeTracker.stalled). */
  stalled: StalledServer[];
  /** Since any message last merged. */
  quietMs: number;
}

/** How long a server may hold messages without a merge before the line names it. */
export function stallAfterMs(mix: MixTriggers): number {
  return Math.max(10_000, 3 * mix.intervalSec * 1000);
}

const secs = (ms: number): string => `${Math.round(ms / 1000)} s`;

export function describeWaits(v: WaitView): string {
  const notes: string[] = [];
  if (v.zkFailing) notes.push(`ZooKeeper: ${v.zkFailing}`);
  if (v.awaiting === 0) return notes.join(' · ');
  const noTrigger = v.mix.reported > 0 && v.mix.intervalSec === 0 && v.mix.intervalCount === 0;
  const full = v.awaiting >= v.limit;
  if (noTrigger) {
    notes.push(full
      ? `--await-merge full (${v.limit}): waiting for a MIX that is not coming (the servers run no interval MIX, -s 0 -i 0; run juba ctl mix)`
      : 'the servers run no interval MIX (-s 0 -i 0): messages wait for juba ctl mix');
  } else if (full && v.quietMs >= 5_000) {
    notes.push(`--await-merge full (${v.limit}): waiting for a MIX that is not coming (none for ${secs(v.quietMs)}; is the mixer stalled? run juba ctl mix)`);
  }
  const shown = v.stalled.slice(0, 2).map((s) => {
    const where = !s.inNodes ? 'not in nodes/' : s.silentMs >= 5_000 ? `in nodes/, no answer for ${secs(s.silentMs)}` : 'in nodes/, answering';
    return `${s.server}: ${s.waiting} waiting, no merge for ${secs(s.quietMs)} (${where})`;
  });
  if (shown.length > 0) {
    const more = v.stalled.length > shown.length ? `, and ${v.stalled.length - shown.length} more server(s)` : '';
    notes.push(`waiting for a MIX on ${shown.join('; ')}${more}`);
  } else if (v.quietMs >= stallAfterMs(v.mix) && notes.length === 0) {
    notes.push(`${v.awaiting} waiting for a MIX, none merged for ${secs(v.quietMs)}`);
  }
  return notes.join(' · ');
}
