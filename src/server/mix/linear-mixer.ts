/**
 * linear_mixer (framework spec §6.1): the holder of `master_lock` collects every member's diff
 * (get_diff), folds them with the engine's merge, and sends the result to everyone (put_diff).
 * A server whose model version does not match a merged diff becomes obsolete, leaves `actives/`
 * and catches up by pulling a whole model (get_model) from a random other member.
 */
import { performance } from 'node:perf_hooks';
import { tryWriteLock, type LockHandle } from '../../cluster/lock.js';
import { listNodes, registerActive, unregisterActive } from '../../cluster/membership.js';
import { masterLock } from '../../cluster/paths.js';
import type { LinearMixable } from '../../engine/engine.js';
import { decodeOne, expectArray, expectBytes, expectNumber } from '../../msgpack/reader.js';
import { MsgWriter } from '../../msgpack/writer.js';
import type { RpcClient } from '../../rpc/client.js';
import {
  MixerBase, delay, NO_LINEAR_MIX, checkIntParam, encodeBool, encodeInt, encodeRaw, errorText,
  peerClient, rawParam, rpcMethod, underRead, underWrite, writeDummyInt,
} from './mix-common.js';
import type { Mixer, MixerContext } from './mixer.js';

/** How long do_mix waits between attempts at the master lock. */
const SPIN_MS = 50;

export class LinearMixer extends MixerBase implements Mixer {
  readonly name = 'linear_mixer' as const;
  /** Starts true: a new server's model is not known to be current until a put_diff says so. */
  private obsolete = true;
  /**
   * Connections to the members, kept open between rounds, by ip_port. A member that leaves
   * `nodes/` or whose call fails loses its connection; all are closed on stop.
   */
  private readonly peers = new Map<string, RpcClient>();

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
    s.addMethod('get_diff', rpcMethod((p) => {
      checkIntParam(p, 'get_diff');
      return underRead(s, () => {
        const w = new MsgWriter(1024);
        this.lm.packDiff(w);
        this.stats.diffTakenAt = this.stats.updates;
        return w.toBytes();
      });
    }, encodeRaw));
    s.addMethod('put_diff', rpcMethod((p) => this.putDiff(rawParam(p, 'put_diff')), encodeInt));
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
    const replies = await Promise.allSettled(clients.map((c) => c.call('get_diff', writeDummyInt, timeoutMs)));
    const lm = this.lm;
    let acc: unknown;
    let diffs = 0;
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
      } catch (e) {
        ctx.logger.warn({ member, err: errorText(e) }, 'malformed diff; member skipped');
      }
    });
    if (diffs === 0) {
      ctx.logger.warn({ members: members.length }, 'no member answered get_diff; mix round aborted');
      return;
    }
    const w = new MsgWriter(1024);
    lm.writeDiff(w, acc);
    const merged = w.toBytes();
    const puts: Promise<unknown>[] = [];
    let own = -1;
    members.forEach((m, i) => {
      if (m === this.self) own = i;
      else puts[i] = clients[i]!.callRaw('put_diff', merged, timeoutMs);
    });
    if (own >= 0) {
      // After the others' requests are handed to their sockets: the apply holds the thread.
      await new Promise<void>((resolve) => setImmediate(resolve));
      puts[own] = this.putDiff(merged);
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

  /** put_diff: apply under the write lock, then follow the result in `actives/`. */
  private async putDiff(raw: Uint8Array): Promise<number> {
    const s = this.ctx.server;
    const ok = await underWrite(s, () => {
      const lm = this.lm;
      return lm.putDiff(lm.unpackDiff(decodeOne(raw)));
    });
    this.stats.participated++;
    if (ok) this.stats.mergedThrough = Math.max(this.stats.mergedThrough, this.stats.diffTakenAt);
    if (!ok && !this.obsolete) this.ctx.logger.warn('a mixed diff was built for another model version: this server is obsolete');
    this.obsolete = !ok;
    this.trigger.reset();
    await this.setRegistered(ok);
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
    await s.lock.withWrite(() => s.engine.unpackModel(decodeOne(model)));
    // Updates counted so far that no round merged are gone with the old model.
    this.stats.modelReplacedAt = this.stats.updates;
    ctx.logger.info({ peer, bytes: model.length }, 'obsolete model replaced by a peer\'s');
    await this.mix();
  }
}
