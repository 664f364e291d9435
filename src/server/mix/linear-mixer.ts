/**
 * linear_mixer (framework spec §6.1): the holder of `master_lock` collects every member's diff
 * (get_diff), folds them with the engine's merge, and sends the result to everyone (put_diff).
 * A server whose model version does not match a merged diff becomes obsolete, leaves `actives/`
 * and catches up by pulling a whole model (get_model) from a random other member. Unlike 1.1.1,
 * a member whose put_diff never came after its get_diff stays obsolete until such a catch-up,
 * even when a later put_diff's versions match.
 *
 * What a round merged, exactly (for `mix.merged_through`, which `juba feed --durable` trusts):
 * an engine's put_diff adds the merged diff and clears the whole local diff, so an update made
 * between a member's get_diff and its put_diff, or a member whose diff the master skipped, would
 * vanish while the next round looked as if it covered it. Hence:
 * - a member pauses updates (not queries) from serving get_diff until the put_diff (or, should
 *   the master die, for the interconnect timeout): no update falls between the two;
 * - juba's master sends a fresh round token as get_diff's int param (Jubatus sends 0 and
 *   ignores it) and sends it back as a trailing put_diff param only to the members whose diff it
 *   folded (a Jubatus member ignores extra trailing params, framework spec §2);
 * - a member advances merged_through only when the put_diff names the token of the diff it
 *   handed out; otherwise what it had not merged is dropped (`mix.dropped_at`). A Jubatus master
 *   sends neither: its put_diff after a get_diff(0) counts as including the diff.
 */
import { performance } from 'node:perf_hooks';
import { tryWriteLock, type LockHandle } from '../../cluster/lock.js';
import { listNodes, registerActive, unregisterActive } from '../../cluster/membership.js';
import { masterLock } from '../../cluster/paths.js';
import type { LinearMixable } from '../../engine/engine.js';
import { decodeOne, expectArray, expectBytes, expectNumber, type MsgValue } from '../../msgpack/reader.js';
import { MsgWriter } from '../../msgpack/writer.js';
import type { RpcClient } from '../../rpc/client.js';
import {
  MixerBase, delay, NO_LINEAR_MIX, checkIntParam, encodeBool, encodeInt, encodeRaw, errorText,
  peerClient, rawParam, rpcMethod, underRead, underWrite, writeDummyInt,
} from './mix-common.js';
import type { Mixer, MixerContext } from './mixer.js';

/** How long do_mix waits between attempts at the master lock. */
const SPIN_MS = 50;

/** The diff a member handed out last: the round's token (0 from a Jubatus master) and `updates` then. */
interface TakenDiff {
  token: number;
  at: number;
}

/** Updates paused on a member from its get_diff until the round's put_diff (queries go on). */
interface DiffHold {
  release(): void;
  timer?: NodeJS.Timeout;
}

/** A round token: a non-zero 31-bit int (0 is what a Jubatus master sends). */
function newRoundToken(): number {
  return 1 + Math.floor(Math.random() * 0x7ffffffe);
}

/** get_diff's `[int]`: the round token. */
function tokenParam(p: MsgValue[]): number {
  checkIntParam(p, 'get_diff');
  return Number(p[0]);
}

/** put_diff's optional second param: the token of the round that included this member's diff. */
function putTokenParam(p: MsgValue[]): number {
  const t = p[1];
  return typeof t === 'number' || typeof t === 'bigint' ? Number(t) : 0;
}

export class LinearMixer extends MixerBase implements Mixer {
  readonly name = 'linear_mixer' as const;
  /** Starts true: a new server's model is not known to be current until a put_diff says so. */
  private obsolete = true;
  /**
   * False once this server served a get_diff whose put_diff never came (the hold timed out): it
   * may lack that round's merged diff for good (a versioned table takes each row once), so no
   * put_diff makes it current until it pulled a peer's whole model. A newcomer is made current
   * by a matching put_diff as in 1.1.1: a catch-up mid-stream copies the peer's unmerged diff,
   * which the next round would count twice (a classifier's labels).
   */
  private caughtUp = true;
  /**
   * Connections to the members, kept open between rounds, by ip_port. A member that leaves
   * `nodes/` or whose call fails loses its connection; all are closed on stop.
   */
  private readonly peers = new Map<string, RpcClient>();
  /** The diff handed out last, until a put_diff settles it. */
  private taken?: TakenDiff;
  private hold?: DiffHold;

  constructor(ctx: MixerContext) {
    super(ctx, { requireUpdates: true, firstRoundAtOnce: false });
    this.registerRpcs();
  }

  get isObsolete(): boolean {
    return this.obsolete;
  }

  private get lm(): LinearMixable<unknown> {
    return this.ctx.server.engine.linearMixable?.() ?? NO_LINEAR_MIX;
  }

  private registerRpcs(): void {
    const s = this.ctx.server;
    s.addMethod('get_diff', rpcMethod((p) => this.takeDiff(tokenParam(p)), encodeRaw));
    s.addMethod('put_diff', rpcMethod((p) => this.putDiff(rawParam(p, 'put_diff'), putTokenParam(p)), encodeInt));
    s.addMethod('get_model', rpcMethod((p) => {
      checkIntParam(p, 'get_model');
      return underRead(s, () => {
        const w = new MsgWriter(1024);
        s.engine.packModel(w);
        return { version: s.engine.userDataVersion, model: w.toBytes() };
      });
    }, (w, r) => {
      w.arrayHeader(2);
      w.int(r.version);
      w.raw(r.model);
    }));
    s.addMethod('do_mix', rpcMethod(() => this.doMix(), encodeBool));
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.endHold();
    this.closePeers(new Set());
  }

  /** The open connection to `member`, made when there is none. */
  private peer(member: string): RpcClient {
    let c = this.peers.get(member);
    if (!c) {
      c = peerClient(member, this.ctx.interconnectTimeoutSec);
      this.peers.set(member, c);
    }
    return c;
  }

  /** Closes the connections to everyone not in `keep`. */
  private closePeers(keep: Set<string>): void {
    for (const [member, c] of this.peers) {
      if (keep.has(member)) continue;
      c.close();
      this.peers.delete(member);
    }
  }

  /** Drops a member's connection after a failed call, so that the next round starts afresh. */
  private dropPeer(member: string, c: RpcClient): void {
    if (this.peers.get(member) !== c) return;
    c.close();
    this.peers.delete(member);
  }

  status(): Record<string, string> {
    return {
      ...this.triggerStatus('linear_mixer'),
      'linear_mixer.is_obsolete': this.obsolete ? '1' : '0',
      'linear_mixer.is_running': this.loop.isRunning ? '1' : '0',
      ...this.stats.status(),
    };
  }

  /** One pass of the loop: catch up when obsolete, else mix when a trigger fired. */
  protected async iteration(): Promise<void> {
    if (this.obsolete) {
      await this.asMaster(() => this.catchUp());
    } else if (this.trigger.due()) {
      await this.asMaster(async () => {
        this.trigger.reset();
        await this.mix();
      });
    }
  }

  private tryMasterLock(): Promise<LockHandle | null> {
    return tryWriteLock(this.ctx.zk(), masterLock(this.ctx.type, this.ctx.name));
  }

  /** Runs `fn` if this server wins the master lock now; false when another server holds it. */
  private async asMaster(fn: () => Promise<void>): Promise<boolean> {
    const lock = await this.tryMasterLock();
    if (!lock) return false;
    try {
      await fn();
    } finally {
      await lock.release().catch((e) => this.ctx.logger.warn({ err: errorText(e) }, 'cannot release the master lock'));
    }
    return true;
  }

  /** do_mix: reset the triggers, wait for the master lock, run a round. */
  doMix(): Promise<boolean> {
    this.trigger.reset();
    return this.loop.track(
      (async () => {
        try {
          let lock: LockHandle | null = null;
          while (!this.loop.isStopped && !(lock = await this.tryMasterLock())) await delay(SPIN_MS);
          if (!lock) return false;
          try {
            await this.mix();
          } finally {
            await lock.release().catch(() => undefined);
          }
          return true;
        } catch (e) {
          this.stats.failures++;
          this.ctx.logger.warn({ err: errorText(e) }, 'do_mix failed');
          return false;
        }
      })(),
    );
  }

  /**
   * One round, run by the master-lock holder: get_diff from all, fold, put_diff to all. The
   * master asks itself for its diff over RPC like any member; its own put_diff takes the RPC
   * handler's path in-process (same bytes, same write lock), after the others' are sent.
   */
  async mix(): Promise<void> {
    const { ctx } = this;
    const t0 = performance.now();
    const members = await listNodes(ctx.zk(), ctx.type, ctx.name);
    this.closePeers(new Set(members));
    if (members.length === 0) {
      await this.setRegistered(true);
      return;
    }
    const clients = members.map((m) => this.peer(m));
    const timeoutMs = ctx.interconnectTimeoutSec * 1000;
    const token = newRoundToken();
    const writeToken = (w: MsgWriter): void => {
      w.arrayHeader(1);
      w.int(token);
    };
    const replies = await Promise.allSettled(clients.map((c) => c.call('get_diff', writeToken, timeoutMs)));
    const lm = this.lm;
    let acc: unknown;
    let diffs = 0;
    const included = new Set<number>();
    replies.forEach((r, i) => {
      const member = members[i]!;
      if (r.status === 'rejected') {
        this.dropPeer(member, clients[i]!);
        this.stats.failures++;
        ctx.logger.warn({ member, err: errorText(r.reason) }, 'get_diff failed; member skipped');
        return;
      }
      if (!(r.value instanceof Uint8Array)) {
        ctx.logger.warn({ member }, 'get_diff answered something other than raw; member skipped');
        return;
      }
      try {
        const d = lm.unpackDiff(decodeOne(r.value));
        acc = diffs === 0 ? d : lm.mixDiff(acc, d);
        diffs++;
        included.add(i);
      } catch (e) {
        ctx.logger.warn({ member, err: errorText(e) }, 'malformed diff; member skipped');
      }
    });
    if (diffs === 0) {
      ctx.logger.warn({ members: members.length }, 'no member answered get_diff; mix round aborted');
      // A member that answered pauses its updates until its timeout; this one resumes its own.
      this.endHold();
      return;
    }
    const w = new MsgWriter(1024);
    lm.writeDiff(w, acc);
    const merged = w.toBytes();
    const puts: Promise<unknown>[] = [];
    let own = -1;
    members.forEach((m, i) => {
      if (m === this.self) own = i;
      else if (!included.has(i)) puts[i] = clients[i]!.callRaw('put_diff', merged, timeoutMs);
      else {
        puts[i] = clients[i]!.call('put_diff', (pw) => {
          pw.arrayHeader(2);
          pw.raw(merged);
          pw.int(token);
        }, timeoutMs);
      }
      // A refused call can fail before allSettled below looks (during the own apply's wait):
      // handled here, it is counted there instead of ending the process as unhandled.
      puts[i]?.catch(() => undefined);
    });
    if (own >= 0) {
      // After the others' requests are handed to their sockets: the apply holds the thread.
      await new Promise<void>((resolve) => setImmediate(resolve));
      puts[own] = this.putDiff(merged, included.has(own) ? token : 0);
    }
    const results = await Promise.allSettled(puts);
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') return;
      if (i !== own) this.dropPeer(members[i]!, clients[i]!);
      this.stats.failures++;
      ctx.logger.warn({ member: members[i], err: errorText(r.reason) }, 'put_diff failed');
    });
    const ms = this.stats.roundDone(t0, members.length, merged.length);
    ctx.logger.info(
      { members: members.length, diffs, duration_ms: Math.round(ms * 10) / 10, bytes: merged.length },
      'mix round done',
    );
  }

  /**
   * get_diff: the local diff (under the read lock), and updates paused until this round's
   * put_diff (see the top of the file). A get_diff while they are still paused (a round whose
   * put_diff never came) takes the diff again under the same hold.
   */
  private takeDiff(token: number): Uint8Array | Promise<Uint8Array> {
    const s = this.ctx.server;
    return underRead(s, () => {
      const w = new MsgWriter(1024);
      this.lm.packDiff(w);
      this.taken = { token, at: this.stats.updates };
      // Updates wait from here to the put_diff (queries go on): none falls between the two.
      this.hold ??= { release: s.lock.pauseWrites() };
      this.holdFor(this.hold);
      return w.toBytes();
    });
  }

  /** (Re)starts the hold's timer: a master that died mid-round must not stop updates for long. */
  private holdFor(hold: DiffHold): void {
    clearTimeout(hold.timer);
    hold.timer = setTimeout(() => {
      if (this.hold !== hold) return;
      // The round's put_diff may never come: this server may lack its merged diff for good (a
      // versioned table takes each row once), so it catches up with a peer's whole model.
      this.ctx.logger.warn('no put_diff within the interconnect timeout after get_diff: updates resume, and this server is obsolete until it catches up');
      this.endHold();
      this.caughtUp = false;
      this.obsolete = true;
      void this.setRegistered(false);
    }, this.ctx.interconnectTimeoutSec * 1000);
    hold.timer.unref?.();
  }

  private endHold(): void {
    const hold = this.hold;
    if (!hold) return;
    this.hold = undefined;
    clearTimeout(hold.timer);
    hold.release();
  }

  /**
   * put_diff: apply under the write lock (the one write the get_diff's hold lets by), account for what
   * the round merged, then follow the result in `actives/`. `token`: the round token when the
   * master folded this member's diff, else 0.
   */
  private async putDiff(raw: Uint8Array, token: number): Promise<number> {
    const s = this.ctx.server;
    const apply = (): boolean => {
      const lm = this.lm;
      const ok = lm.putDiff(lm.unpackDiff(decodeOne(raw)));
      const taken = this.taken;
      this.taken = undefined;
      // Versions that disagree: this server is obsolete, and the catch-up that replaces its
      // model drops what it had not merged (said then, once, rather than every round until).
      if (!ok) return false;
      if (taken !== undefined && taken.token === token) {
        this.stats.mergedThrough = Math.max(this.stats.mergedThrough, taken.at);
      }
      // Whatever the merged diff did not hold was cleared with the local diff.
      this.stats.dropUnmerged();
      return true;
    };
    let ok: boolean;
    if (this.hold) {
      try {
        ok = await s.lock.withWrite(apply, { duringPause: true });
      } finally {
        this.endHold();
      }
    } else ok = await underWrite(s, apply);
    this.stats.participated++;
    if (!ok && !this.obsolete) this.ctx.logger.warn('a mixed diff was built for another model version: this server is obsolete');
    if (!ok) this.caughtUp = false;
    this.obsolete = !this.caughtUp;
    this.trigger.reset();
    await this.setRegistered(!this.obsolete);
    return 0;
  }

  private async setRegistered(on: boolean): Promise<void> {
    if (on === this.registered) return;
    this.registered = on;
    const { ctx } = this;
    try {
      if (on) await registerActive(ctx.zk(), ctx.type, ctx.name, this.self);
      else await unregisterActive(ctx.zk(), ctx.type, ctx.name, this.self);
    } catch (e) {
      ctx.logger.warn({ err: errorText(e), active: on }, 'cannot update actives/');
    }
  }

  /** An obsolete server holding the master lock: pull a whole model from a peer, then mix. */
  private async catchUp(): Promise<void> {
    const { ctx } = this;
    const members = await listNodes(ctx.zk(), ctx.type, ctx.name);
    const others = members.filter((m) => m !== this.self);
    if (members.length <= 1 || others.length === 0) {
      this.caughtUp = true;
      this.obsolete = false;
      await this.setRegistered(true);
      return;
    }
    const peer = others[Math.floor(Math.random() * others.length)]!;
    const client = peerClient(peer, ctx.interconnectTimeoutSec);
    let version: number;
    let model: Uint8Array;
    try {
      const reply = expectArray(await client.call('get_model', writeDummyInt), 'get_model reply', 2);
      version = expectNumber(reply[0]!, 'get_model protocol version');
      model = expectBytes(reply[1]!, 'get_model model');
    } catch (e) {
      ctx.logger.warn({ peer, err: errorText(e) }, 'get_model failed; still obsolete');
      return;
    } finally {
      client.close();
    }
    const s = ctx.server;
    if (version !== s.engine.userDataVersion) {
      const reason = `MIX protocol version mismatch: ${peer} has ${version}, this server ${s.engine.userDataVersion}`;
      ctx.logger.error({ peer }, reason);
      void this.loop.stop();
      ctx.fatal(reason);
      return;
    }
    await s.lock.withWrite(() => {
      s.engine.unpackModel(decodeOne(model));
      // Updates counted so far that no round merged are gone with the old model.
      this.stats.dropUnmerged();
      this.caughtUp = true;
    });
    ctx.logger.info({ peer, bytes: model.length }, 'obsolete model replaced by a peer\'s');
    await this.mix();
  }
}
