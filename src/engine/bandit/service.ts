/**
 * The bandit engine (engine spec §12): players learn which arm pays, by one of six strategies.
 * Model file: the summation storage `[arm_ids, mixed, unmixed]` (the RNG's state is not saved,
 * as in 1.1.1). MIX has one part, the unmixed table: summed over the members, added to mixed.
 */
import type { MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';
import { asObject, checkKeys, reqString } from '../config-cast.js';
import { ConfigError } from '../../errors.js';
import type { Engine, EngineOptions, LinearMixable, ShippedEngineFactory } from '../engine.js';
import { composeLinear, type LinearPart } from '../mixable.js';
import { BANDIT_METHODS, makeStrategy, noArms, parseBanditParams, type Strategy } from './methods.js';
import type { ArmInfo, BanditService } from './service-types.js';
import { readTable, SummationStorage, writeTable, type Table } from './storage.js';

export class BanditEngine implements Engine, BanditService {
  readonly type = 'bandit';
  readonly userDataVersion = 1;
  private s: SummationStorage;

  constructor(
    readonly method: string,
    private readonly assumeUnrewarded: boolean,
    private readonly strategy: Strategy,
  ) {
    this.s = new SummationStorage(assumeUnrewarded);
  }

  register_arm(arm: string): boolean {
    return this.s.registerArm(arm);
  }

  delete_arm(arm: string): boolean {
    return this.s.deleteArm(arm);
  }

  select_arm(player: string): string {
    if (this.s.arms.length === 0) throw noArms();
    const arm = this.strategy.select(this.s, player);
    this.s.notifySelected(player, arm);
    return arm;
  }

  register_reward(player: string, arm: string, reward: number): boolean {
    return this.strategy.reward(this.s, player, arm, reward);
  }

  get_arm_info(player: string): Map<string, ArmInfo> {
    return new Map(this.s.arms.map((a): [string, ArmInfo] => {
      const i = this.s.armInfo(player, a);
      return [a, [i.trials, i.weight]];
    }));
  }

  reset(player: string): boolean {
    return this.s.reset(player);
  }

  clear(): boolean {
    this.s.clear();
    return true;
  }

  status(): Record<string, string> {
    // 1.1.1 adds no bandit keys; these two are juba's, for top and ctl status.
    const players = new Set([...this.s.mixed.keys(), ...this.s.unmixed.keys()]);
    return { arm_count: String(this.s.arms.length), player_count: String(players.size) };
  }

  packModel(w: MsgWriter): void {
    this.s.pack(w);
  }

  unpackModel(v: MsgValue): void {
    this.s = SummationStorage.unpack(v, this.assumeUnrewarded);
  }

  linearMixable(): LinearMixable<unknown[]> {
    const part: LinearPart<Table> = {
      packDiff: (w) => writeTable(w, this.s.unmixed),
      unpackDiff: (v) => readTable(v),
      mixDiff: (acc, incoming) => SummationStorage.mixInto(incoming, acc),
      writeDiff: writeTable,
      putDiff: (d) => this.s.putDiff(d),
    };
    return composeLinear('bandit', [part]);
  }
}

export function createBandit(config: unknown): BanditEngine {
  const root = asObject(config, '');
  checkKeys(root, ['method', 'parameter'], '');
  const method = reqString(root, 'method', '');
  if (!BANDIT_METHODS.includes(method)) {
    throw new ConfigError('method', `unknown method "${method}" (expected one of ${BANDIT_METHODS.join(', ')})`);
  }
  const params = parseBanditParams(method, root.parameter);
  return new BanditEngine(method, params.assumeUnrewarded, makeStrategy(method, params));
}

// `satisfies` keeps create's BanditEngine result for embedders and tests.
export const banditFactory = {
  type: 'bandit',
  presets: {
    // A stream of outcomes: each message is register_reward's argument list [player, arm, reward].
    feed: { method: 'register_reward', wrap: false, example: '["user1", "banner_a", 1]' },
    // get_arm_info is the read-only call (select_arm updates the counts); an unknown player answers zeros.
    bench: { method: 'get_arm_info', args: ['user1'] },
    size: { keys: ['player_count'], label: 'PLAYERS' },
  },
  create(config: unknown, _options: EngineOptions): BanditEngine {
    return createBandit(config);
  },
} satisfies ShippedEngineFactory;
