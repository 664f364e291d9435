import { describe, expect, it } from 'vitest';
import { MergeTracker, type Settle } from '../../src/stream/merge-tracker.js';

function track(t: MergeTracker, server: string, idempotent = true): { get(): Settle | undefined } {
  let r: Settle | undefined;
  void t.wait(server, idempotent).then((s) => (r = s));
  return { get: () => r };
}
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('juba feed --durable: await-merge bookkeeping', () => {
  it('a message is merged only when the server reports two more rounds than a poll started after its apply', async () => {
    const t = new MergeTracker(10_000);
    t.pollStarted('a'); // nothing yet: creates no state
    const m = track(t, 'a');
    expect(t.awaiting).toBe(1);
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 5, pid: '1' });
    await flush();
    expect(m.get()).toBeUndefined();
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 6, pid: '1' }); // round 6 may have taken its diff before the apply
    await flush();
    expect(m.get()).toBeUndefined();
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 7, pid: '1' });
    await flush();
    expect(m.get()).toEqual({ kind: 'merged' });
    expect(t.awaiting).toBe(0);
    expect(t.merged).toBe(1);
  });

  it('a poll that started before the apply does not stamp it; a failed poll hands its batch to the next', async () => {
    const t = new MergeTracker(10_000);
    const first = track(t, 'a');
    t.pollStarted('a');
    const late = track(t, 'a'); // applied while the poll is in flight
    t.pollFailed('a');
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 1, pid: '1' });
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 3, pid: '1' });
    await flush();
    expect(first.get()).toEqual({ kind: 'merged' });
    expect(late.get()).toEqual({ kind: 'merged' });
  });

  it('a server that left nodes/ or restarted gives back everything; a silent one only idempotent messages', async () => {
    let now = 0;
    const t = new MergeTracker(1000, () => now);
    const a1 = track(t, 'a', false);
    const b1 = track(t, 'b', false);
    const b2 = track(t, 'b', true);
    const c1 = track(t, 'c', false);
    t.pollStarted('c');
    t.pollAnswered('c', { participated: 4, pid: '10' });
    t.membersAre(new Set(['b', 'c']));
    await flush();
    expect(a1.get()).toBeUndefined(); // its session may only have expired: wait for silence
    now = 5000;
    t.membersAre(new Set(['b', 'c']));
    await flush();
    expect(a1.get()).toEqual({ kind: 'lost', reason: 'server left the cluster before a MIX covered it' });
    t.pollStarted('c');
    t.pollAnswered('c', { participated: 0, pid: '11' });
    t.checkSilent(); // b silent for 5 s
    await flush();
    expect(c1.get()?.kind).toBe('lost');
    expect(b2.get()).toEqual({ kind: 'lost', reason: 'server stopped answering before a MIX covered it' });
    expect(b1.get()).toBeUndefined(); // a live server must never see a train twice
    expect(t.awaiting).toBe(1);
  });

  it('a member without mix.* keys (Jubatus 1.1.1) acknowledges after apply', async () => {
    const t = new MergeTracker(1000);
    const m = track(t, 'old');
    t.pollStarted('old');
    t.pollAnswered('old', { pid: '3' });
    await flush();
    expect(m.get()).toEqual({ kind: 'merged' });
    expect([...t.fallbackServers]).toEqual(['old']);
    const later = track(t, 'old');
    await flush();
    expect(later.get()).toEqual({ kind: 'merged' });
  });
});

describe('juba feed --durable: mix.updates / mix.merged_through', () => {
  it('merged once merged_through reaches the updates a poll after the apply read', async () => {
    const t = new MergeTracker(10_000);
    const m = track(t, 'a', false);
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 3, updates: 120, mergedThrough: 100, pid: '1' });
    await flush();
    expect(m.get()).toBeUndefined();
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 4, updates: 130, mergedThrough: 119, pid: '1' });
    await flush();
    expect(m.get()).toBeUndefined();
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 5, updates: 130, mergedThrough: 120, pid: '1' });
    await flush();
    expect(m.get()).toEqual({ kind: 'merged' });
  });

  it('updates going back means a restart: the waiting messages are lost', async () => {
    const t = new MergeTracker(10_000);
    const m = track(t, 'a', false);
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 3, updates: 120, mergedThrough: 100 });
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 0, updates: 5, mergedThrough: 0 });
    await flush();
    expect(m.get()).toEqual({ kind: 'lost', reason: 'server restarted before a MIX covered it' });
  });
});

describe('juba feed --durable: an obsolete server', () => {
  it('keeps every message until the catch-up that replaces its model says what it dropped', async () => {
    const t = new MergeTracker(10_000);
    const idem = track(t, 'a', true);
    const train = track(t, 'a', false);
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 1, updates: 10, mergedThrough: 0, droppedAt: 0, pid: '1' });
    await flush();
    expect(idem.get()).toBeUndefined();
    expect(train.get()).toBeUndefined();
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 2, updates: 10, mergedThrough: 0, droppedAt: 10, pid: '1' });
    await flush();
    expect(idem.get()?.kind).toBe('lost');
    expect(train.get()?.kind).toBe('lost');
  });
});

describe('juba feed --durable: a restart seen by a poll', () => {
  it('gives back the messages that poll was stamping too', async () => {
    const t = new MergeTracker(10_000);
    const old = track(t, 'a', false);
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 3, updates: 120, mergedThrough: 100, droppedAt: 0, pid: '1' });
    const inBatch = track(t, 'a', false);
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 0, updates: 5, mergedThrough: 0, droppedAt: 0, pid: '2' });
    await flush();
    expect(old.get()?.kind).toBe('lost');
    expect(inBatch.get()).toEqual({ kind: 'lost', reason: 'server restarted before a MIX covered it' });
    expect(t.awaiting).toBe(0);
  });
});

describe('juba feed --durable: mix.dropped_at', () => {
  it('a newer dropped_at gives back what no round merged and settles what one did', async () => {
    const t = new MergeTracker(10_000);
    const first = track(t, 'a', false);
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 1, updates: 10, mergedThrough: 0, droppedAt: 0, pid: '1' });
    const second = track(t, 'a', false);
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 2, updates: 20, mergedThrough: 0, droppedAt: 0, pid: '1' });
    const third = track(t, 'a', false);
    t.pollStarted('a');
    // A round merged a's diff at 10, then one left it out at 25: 11..25 were cleared.
    t.pollAnswered('a', { participated: 3, updates: 25, mergedThrough: 10, droppedAt: 25, droppedFrom: 10, pid: '1' });
    await flush();
    expect(first.get()).toEqual({ kind: 'merged' });
    expect(second.get()?.kind).toBe('lost');
    expect(third.get()?.kind).toBe('lost');
    expect((second.get() as { reason: string }).reason).toMatch(/dropped updates no MIX round had merged/);
    expect(t.awaiting).toBe(0);
  });

  it('a round after the drop moves merged_through past it: what was dropped stays given back', async () => {
    const t = new MergeTracker(10_000);
    const m = track(t, 'a', false);
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 1, updates: 2, mergedThrough: 0, droppedAt: 0, droppedFrom: 0, pid: '1' });
    const late = track(t, 'a', false);
    t.pollStarted('a');
    // Dropped 1..3 at a catch-up, then a round took the (empty) diff at 3 and one more at 4.
    t.pollAnswered('a', { participated: 2, updates: 4, mergedThrough: 4, droppedAt: 3, droppedFrom: 0, pid: '1' });
    await flush();
    expect(m.get()?.kind).toBe('lost');
    expect(late.get()?.kind).toBe('lost'); // applied before this poll: maybe before the drop
  });

  it('a drop made before the first answer counts when messages were waiting; after a restart drops count afresh', async () => {
    const t = new MergeTracker(10_000);
    const early = track(t, 'a', false); // applied before any answer from a
    t.pollStarted('a');
    // a caught up (dropping 1..3) and a round then took its diff at 3.
    t.pollAnswered('a', { participated: 1, updates: 4, mergedThrough: 3, droppedAt: 3, droppedFrom: 0, pid: '1' });
    await flush();
    expect(early.get()?.kind).toBe('lost');
    const before = track(t, 'a', false);
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 1, updates: 500, mergedThrough: 0, droppedAt: 400, droppedFrom: 0, pid: '1' });
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 0, updates: 1, mergedThrough: 0, droppedAt: 0, droppedFrom: 0, pid: '2' }); // restarted
    await flush();
    expect(before.get()?.kind).toBe('lost');
    const after = track(t, 'a', false);
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 0, updates: 30, mergedThrough: 0, droppedAt: 0, droppedFrom: 0, pid: '2' });
    t.pollStarted('a');
    // The new process caught up: a drop at 30, far below the old process's 400.
    t.pollAnswered('a', { participated: 1, updates: 31, mergedThrough: 31, droppedAt: 30, droppedFrom: 0, pid: '2' });
    await flush();
    expect(after.get()?.kind).toBe('lost');
  });

  it('a first answer with nothing waiting is only the baseline', async () => {
    const t = new MergeTracker(10_000);
    t.watch('a');
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 1, updates: 10, mergedThrough: 5, droppedAt: 8, droppedFrom: 2, pid: '1' });
    expect(t.answered('a')).toBe(true);
    const m = track(t, 'a', false);
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 2, updates: 11, mergedThrough: 5, droppedAt: 8, droppedFrom: 2, pid: '1' });
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 3, updates: 11, mergedThrough: 11, droppedAt: 8, droppedFrom: 2, pid: '1' });
    await flush();
    expect(m.get()).toEqual({ kind: 'merged' });
  });

  it('the same dropped_at again changes nothing', async () => {
    const t = new MergeTracker(10_000);
    t.watch('a');
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 0, updates: 25, mergedThrough: 20, droppedAt: 20, droppedFrom: 10, pid: '1' });
    const m = track(t, 'a', false);
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 1, updates: 30, mergedThrough: 20, droppedAt: 20, pid: '1' });
    t.pollStarted('a');
    t.pollAnswered('a', { participated: 2, updates: 30, mergedThrough: 30, droppedAt: 20, pid: '1' });
    await flush();
    expect(m.get()).toEqual({ kind: 'merged' });
  });
});

describe('juba feed --durable: what the feed waits for', () => {
  it('names a server in nodes/ that answers but merges nothing', async () => {
    let now = 0;
    const t = new MergeTracker(10_000, () => now);
    track(t, 'a', false);
    track(t, 'a', false);
    const b = track(t, 'b', false);
    t.membersAre(new Set(['a', 'b']));
    now = 40_000;
    for (const s of ['a', 'b']) {
      t.pollStarted(s);
      t.pollAnswered(s, { participated: 1, updates: 2, mergedThrough: s === 'b' ? 2 : 0, droppedAt: 0, pid: '1' });
    }
    await flush();
    expect(b.get()).toEqual({ kind: 'merged' });
    expect(t.stalled(30_000)).toEqual([{ server: 'a', waiting: 2, quietMs: 40_000, silentMs: 0, inNodes: true }]);
    expect(t.stalled(50_000)).toEqual([]);
  });
});
