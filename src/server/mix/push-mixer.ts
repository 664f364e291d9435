/**
 * The push mixers (framework spec §6.2): random_mixer, broadcast_mixer and skip_mixer. No
 * master and no version check: a round exchanges, peer by peer, what each side lacks
 * (pull/push of the engine's push mixables). Only the peer selection differs.
 */
import { performance } from 'node:perf_hooks';
import { listNodes, registerActive } from '../../cluster/membership.js';
import type { PushMixable } from '../../engine/engine.js';
import { MsgWriter } from '../../msgpack/writer.js';
import type { RpcClient } from '../../rpc/client.js';
import {
  MixerBase, NO_PUSH_MIX, checkIntParam, encodeBool, encodeInt, encodeRaw, errorText,
  peerClient, rawParam, rpcMethod, underRead, underWrite, writeDummyInt, writeRawParam,
} from './mix-common.js';
import type { Mixer, MixerContext } from './mixer.js';

export type PushMixerName = 'random_mixer' | 'broadcast_mixer' | 'skip_mixer';

/**
 * The peers of one round, from the sorted `nodes/` list. skip_mixer pairs member `me` with
 * `me + w/2, me + w/4, …, me + 1` (mod w), so news crosses the cluster in log2(w) rounds.
 */
export function selectPeers(kind: PushMixerName, members: readonly string[], self: string, random = Math.random): string[] {
  const others = members.filter((m) => m !== self);
  if (others.length === 0) return [];
  if (kind === 'broadcast_mixer') return others;
  if (kind === 'random_mixer') return [others[Math.floor(random() * others.length)]!];
  const me = members.indexOf(self);
  if (me < 0) return [];
  const w = members.length;
  const out: string[] = [];
  for (let stride = w >> 1; stride >= 1; stride >>= 1) {
    const peer = members[(me + stride) % w]!;
    if (peer !== self && !out.includes(peer)) out.push(peer);
  }
  return out;
}

const asRaw = (v: unknown, what: string): Uint8Array => {
  if (!(v instanceof Uint8Array)) throw new Error(`${what} answered something other than raw`);
  return v;
};

export class PushMixer extends MixerBase implements Mixer {
  /** Rounds of one server never overlap (loop and do_mix take turns). */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly name: PushMixerName,
    ctx: MixerContext,
  ) {
    super(ctx, { requireUpdates: false, firstRoundAtOnce: true });
    this.registerRpcs();
  }

  private get pm(): PushMixable {
    return this.ctx.server.engine.pushMixable?.() ?? NO_PUSH_MIX;
  }

  private registerRpcs(): void {
    const s = this.ctx.server;
    s.addMethod('get_pull_argument', rpcMethod((p) => {
      checkIntParam(p, 'get_pull_argument');
      return this.localPullArgument();
    }, encodeRaw));
    s.addMethod('pull', rpcMethod((p) => this.localPull(rawParam(p, 'pull')), encodeRaw));
    s.addMethod('push', rpcMethod(async (p) => {
      await this.localPush(rawParam(p, 'push'));
      this.stats.participated++;
      return 0;
    }, encodeInt));
    s.addMethod('do_mix', rpcMethod(() => this.doMix(), encodeBool));
  }

  private localPullArgument(): Uint8Array | Promise<Uint8Array> {
    return underRead(this.ctx.server, () => {
      const w = new MsgWriter(256);
      this.pm.writePullArgument(w);
      return w.toBytes();
    });
  }

  /** `taken(updates)`: told, under the lock, how many updates the answer covers. */
  private localPull(arg: Uint8Array, taken?: (updates: number) => void): Uint8Array | Promise<Uint8Array> {
    return underRead(this.ctx.server, () => {
      const w = new MsgWriter(1024);
      this.pm.pull(arg, w);
      taken?.(this.stats.updates);
      return w.toBytes();
    });
  }

  private async localPush(diff: Uint8Array): Promise<void> {
    await underWrite(this.ctx.server, () => this.pm.push(diff));
    this.trigger.reset();
  }

  status(): Record<string, string> {
    return {
      ...this.triggerStatus('push_mixer'),
      ...this.stats.status(),
    };
  }

  private firstDone = false;

  protected async iteration(): Promise<void> {
    if (this.firstDone && !this.trigger.due()) return;
    this.firstDone = true;
    this.trigger.reset();
    await this.serial(() => this.mix());
  }

  doMix(): Promise<boolean> {
    this.trigger.reset();
    return this.loop.track(
      this.serial(() => this.mix()).then(
        () => true,
        (e) => {
          this.stats.failures++;
          this.ctx.logger.warn({ err: errorText(e) }, 'do_mix failed');
          return false;
        },
      ),
    );
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** One round: exchange with each selected peer in turn; a failed peer is skipped. */
  async mix(): Promise<void> {
    const { ctx } = this;
    const t0 = performance.now();
    const members = await listNodes(ctx.zk(), ctx.type, ctx.name);
    const peers = selectPeers(this.name, members, this.self);
    let bytes = 0;
    let exchanged = 0;
    for (const peer of peers) {
      const client = peerClient(peer, ctx.interconnectTimeoutSec);
      try {
        bytes += await this.exchange(client);
        exchanged++;
      } catch (e) {
        this.stats.failures++;
        ctx.logger.warn({ peer, err: errorText(e) }, 'push mix with a peer failed; peer skipped');
      } finally {
        client.close();
      }
    }
    if (!this.registered) {
      this.registered = true;
      await registerActive(ctx.zk(), ctx.type, ctx.name, this.self).catch((e) => {
        this.registered = false;
        ctx.logger.warn({ err: errorText(e) }, 'cannot register in actives/');
      });
    }
    if (peers.length === 0) return;
    const ms = this.stats.roundDone(t0, exchanged + 1, bytes);
    ctx.logger.info(
      { mixer: this.name, peers: peers.length, exchanged, duration_ms: Math.round(ms * 10) / 10, bytes },
      'mix round done',
    );
  }

  /**
   * mine → peer.pull → peer.get_pull_argument → local pull → peer.push, then local push. Once
   * the peer applied the push it holds every update this server had counted at the local pull
   * (a push mixable never clears what it sent), so `mix.merged_through` moves up to there.
   */
  private async exchange(peer: RpcClient): Promise<number> {
    const timeoutMs = this.ctx.interconnectTimeoutSec * 1000;
    const mine = await this.localPullArgument();
    const herDiff = asRaw(await peer.call('pull', writeRawParam(mine), timeoutMs), 'pull');
    const herArgs = asRaw(await peer.call('get_pull_argument', writeDummyInt, timeoutMs), 'get_pull_argument');
    let covered = 0;
    const myDiff = await this.localPull(herArgs, (n) => (covered = n));
    await peer.call('push', writeRawParam(myDiff), timeoutMs);
    this.stats.mergedThrough = Math.max(this.stats.mergedThrough, covered);
    await this.localPush(herDiff);
    return myDiff.length;
  }
}
