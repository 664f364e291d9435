/**
 * `juba feed --durable`: which applied messages a completed MIX round now covers.
 *
 * A message applied on server S is merged once S took part in a MIX round whose diff was taken
 * after the apply. juba's linear_mixer reports `mix.updates` (updates S counted, each before its
 * reply) and `mix.merged_through` (`mix.updates` when S's diff was taken for the last round that
 * included it): a poll started after the apply reads u, and the message is merged once
 * merged_through >= u. When S reports a newer `mix.dropped_at` (a round left its diff out, or a
 * peer's model replaced its own), what waited on S and is not covered is handed back. Mixers without those keys give `mix.participated` (put_diffs S applied,
 * one per round): a poll after the apply reading p proves nothing about round p+1 (its get_diff
 * may predate the apply) but round p+2 began after round p+1 ended on S, so it holds the update.
 *
 * A server that restarts (another pid, or its counter went back), or stays out of ZooKeeper's
 * `nodes/` for `silentLostMs` (the session timeout), lost what it had not merged: its waiting
 * messages are handed back to be re-sent. A server that only stops answering gives back its
 * idempotent messages (a repeat is harmless), never the others: a live server must not see
 * them twice.
 * A 1.1.1 member has no `mix.*` keys: its messages count as done once applied (`fallback`).
 */

export type Settle = { kind: 'merged' } | { kind: 'lost'; reason: string };

interface Waiting {
  idempotent: boolean;
  /** Counter value that proves the merge; undefined until a poll started after the apply. */
  need?: number;
  settle(s: Settle): void;
}

interface ServerState {
  /** Applied since the last poll started: stamped by the next poll's answer. */
  unstamped: Waiting[];
  /** Taken by the poll in flight. */
  polling?: Waiting[];
  stamped: Waiting[];
  pid?: string;
  counter?: number;
  lastAnswer: number;
  /** When a message here last merged, or when messages began waiting here after none did. */
  lastProgress: number;
  droppedAt?: number;
  /** No `mix.participated`: a Jubatus 1.1.1 member, acknowledged after apply. */
  fallback: boolean;
  /** Missing from the last `nodes/` listing (a ZooKeeper session may also just have expired). */
  absent: boolean;
  /** When it was first missing from `nodes/` (reset when it is listed again). */
  absentSince?: number;
}

export interface MixProgress {
  /** `mix.participated`; undefined for a member without juba's mix keys. */
  participated?: number;
  /** `mix.updates` and `mix.merged_through` (linear_mixer); else the participated rule applies. */
  updates?: number;
  mergedThrough?: number;
  /**
   * `mix.dropped_at`: `updates` when the server last dropped updates no round merged (a round
   * that did not include its diff, or its model replaced by a peer's).
   */
  droppedAt?: number;
  /** `mix.dropped_from`: `merged_through` at that drop; updates above it up to dropped_at are gone. */
  droppedFrom?: number;
  pid?: string;
}

/** A server the feed waits on with no merge for a while (see `MergeTracker.stalled`). */
export interface StalledServer {
  server: string;
  waiting: number;
  /** Since a message last merged there (or since messages began waiting there). */
  quietMs: number;
  /** Since its last status answer. */
  silentMs: number;
  /** Listed in ZooKeeper's `nodes/` at the last look. */
  inNodes: boolean;
}

function waitingOn(s: ServerState): number {
  return s.unstamped.length + (s.polling?.length ?? 0) + s.stamped.length;
}

export class MergeTracker {
  private readonly servers = new Map<string, ServerState>();
  merged = 0;
  lastMergeAt: number;
  readonly fallbackServers = new Set<string>();

  constructor(
    private readonly silentLostMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastMergeAt = now();
  }

  /** Messages applied and not yet merged. */
  get awaiting(): number {
    let n = 0;
    for (const s of this.servers.values()) n += waitingOn(s);
    return n;
  }

  /**
   * Servers holding messages on which nothing merged for `quietMs` (their MIX stalled, or no
   * MIX runs), longest first: what the feed waits for, for the progress line.
   */
  stalled(quietMs: number): StalledServer[] {
    const now = this.now();
    const out: StalledServer[] = [];
    for (const [server, s] of this.servers) {
      const waiting = waitingOn(s);
      if (waiting === 0 || now - s.lastProgress < quietMs) continue;
      out.push({ server, waiting, quietMs: now - s.lastProgress, silentMs: now - s.lastAnswer, inNodes: !s.absent });
    }
    return out.sort((a, b) => b.quietMs - a.quietMs);
  }

  /** Starts watching `server` before anything is applied there (its first answer is the baseline). */
  watch(server: string): void {
    this.state(server);
  }

  /** Whether a status answer from `server` was seen since it was watched. */
  answered(server: string): boolean {
    return this.servers.get(server)?.counter !== undefined;
  }

  /** The servers with something to watch. */
  known(): string[] {
    return [...this.servers.keys()];
  }

  /** Waits for the update `server` applied to be merged, or lost with it. */
  wait(server: string, idempotent: boolean): Promise<Settle> {
    const s = this.state(server);
    return new Promise<Settle>((resolve) => {
      const w: Waiting = { idempotent, settle: resolve };
      if (s.fallback) return resolve({ kind: 'merged' });
      if (waitingOn(s) === 0) s.lastProgress = this.now();
      s.unstamped.push(w);
    });
  }

  /** A status poll of `server` starts: what was applied until now is stamped by its answer. */
  pollStarted(server: string): void {
    const s = this.servers.get(server);
    if (!s || s.polling) return;
    s.polling = s.unstamped;
    s.unstamped = [];
  }

  /** The poll's answer. */
  pollAnswered(server: string, p: MixProgress): void {
    const s = this.servers.get(server);
    if (!s) return;
    s.lastAnswer = this.now();
    const batch = s.polling ?? [];
    s.polling = undefined;
    if (p.participated === undefined) {
      s.fallback = true;
      this.fallbackServers.add(server);
      for (const w of [...s.stamped, ...batch, ...s.unstamped]) w.settle({ kind: 'merged' });
      this.merged += s.stamped.length + batch.length + s.unstamped.length;
      s.stamped = [];
      s.unstamped = [];
      return;
    }
    // With mix.updates / mix.merged_through the proof is exact: the apply was counted before
    // this poll read `updates`, so a diff taken at merged_through >= updates holds it.
    const exact = p.updates !== undefined && p.mergedThrough !== undefined;
    const counter = exact ? p.updates! : p.participated;
    const covered = exact ? p.mergedThrough! : p.participated;
    const restarted = (s.pid !== undefined && p.pid !== undefined && p.pid !== s.pid) ||
      (s.counter !== undefined && counter < s.counter);
    s.pid = p.pid ?? s.pid;
    s.counter = counter;
    if (restarted) {
      // Whatever it held unmerged died with the old process, including this poll's batch. The
      // new process counts its drops afresh: this answer is their baseline.
      s.droppedAt = p.droppedAt;
      s.stamped.push(...batch);
      this.loseAll(s, 'server restarted before a MIX covered it', () => true);
      return;
    }
    // No earlier answer to compare with (messages applied before the baseline poll answered):
    // any drop the server ever made may be theirs.
    const dropped = p.droppedAt !== undefined && p.droppedAt > (s.droppedAt ?? (batch.length + s.stamped.length > 0 ? 0 : p.droppedAt));
    s.droppedAt = p.droppedAt ?? s.droppedAt;
    if (dropped) {
      // Updates above dropped_from and up to dropped_at are gone, even if merged_through moved
      // past them since (a round after the drop). Settle what a round merged before the drop;
      // the rest waiting here (this poll's batch included: it may predate the drop) is given back.
      for (const w of batch) w.need = exact ? counter : counter + 2;
      s.stamped.push(...batch);
      this.settleCovered(s, Math.min(covered, p.droppedFrom ?? 0));
      this.loseAll(s, 'server dropped updates no MIX round had merged (its diff left out of a round, or its model replaced by a peer\'s)', () => true);
      return;
    }
    for (const w of batch) w.need = exact ? counter : counter + 2;
    s.stamped.push(...batch);
    this.settleCovered(s, covered);
  }

  /** Settles as merged the stamped messages whose proof `covered` reached. */
  private settleCovered(s: ServerState, covered: number): void {
    const keep: Waiting[] = [];
    for (const w of s.stamped) {
      if (w.need! <= covered) {
        w.settle({ kind: 'merged' });
        this.merged++;
        this.lastMergeAt = this.now();
        s.lastProgress = this.lastMergeAt;
      } else keep.push(w);
    }
    s.stamped = keep;
  }

  /** The poll failed: the batch waits for the next one. */
  pollFailed(server: string): void {
    const s = this.servers.get(server);
    if (!s || !s.polling) return;
    s.unstamped.unshift(...s.polling);
    s.polling = undefined;
  }

  /**
   * `members`: the ip_ports in `nodes/` now. A server missing there past the session timeout
   * is gone (checkSilent); a shorter absence (a session renewed) keeps its messages.
   */
  membersAre(members: ReadonlySet<string>): void {
    const now = this.now();
    for (const [server, s] of this.servers) {
      s.absent = !members.has(server);
      if (!s.absent) s.absentSince = undefined;
      else s.absentSince ??= now;
    }
    this.checkSilent();
  }

  /**
   * Servers silent for `silentLostMs`: gone from `nodes/` → every waiting message is re-sent,
   * still listed → only the idempotent ones (a live server must never see a train twice).
   */
  checkSilent(): void {
    const now = this.now();
    for (const [server, s] of this.servers) {
      // Out of nodes/ past the session timeout: it takes no part in MIX, so nothing it holds
      // will be merged, even if it still answers.
      const left = s.absent && s.absentSince !== undefined && now - s.absentSince > this.silentLostMs;
      if (!left && now - s.lastAnswer <= this.silentLostMs) continue;
      if (s.absent) {
        this.loseAll(s, 'server left the cluster before a MIX covered it', () => true);
        this.servers.delete(server);
      } else this.loseAll(s, 'server stopped answering before a MIX covered it', (w) => w.idempotent);
    }
  }

  private loseAll(s: ServerState, reason: string, which: (w: Waiting) => boolean): void {
    const lost: Waiting[] = [];
    const split = (list: Waiting[]): Waiting[] => list.filter((w) => (which(w) ? (lost.push(w), false) : true));
    s.unstamped = split(s.unstamped);
    s.stamped = split(s.stamped);
    if (s.polling) s.polling = split(s.polling);
    for (const w of lost) w.settle({ kind: 'lost', reason });
  }

  private state(server: string): ServerState {
    let s = this.servers.get(server);
    if (!s) {
      const now = this.now();
      s = { unstamped: [], stamped: [], lastAnswer: now, lastProgress: now, fallback: this.fallbackServers.has(server), absent: false };
      this.servers.set(server, s);
    }
    return s;
  }
}
