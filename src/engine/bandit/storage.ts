/**
 * The bandits' summation storage (engine spec §12, 1.1.1 `bandit/summation_storage`): the arm
 * list in registration order, and two tables player → (total trials, arm → {trials, Σ reward}):
 * `mixed` (what MIX agreed on) and `unmixed` (this member's changes since). Reads add both.
 * MIX sends `unmixed`, sums the members' tables, adds the sum to `mixed` and empties `unmixed`.
 *
 * 1.1.1 keeps the tables in hash maps; for the small maps it writes, their iteration order is
 * the reverse of insertion, which is the order juba writes them in (the MIX bytes match).
 */
import { expectArray, expectMap, expectNumber, expectString, MsgpackError, type MsgValue } from '../../msgpack/reader.js';
import type { MsgWriter } from '../../msgpack/writer.js';

export interface ArmStats {
  trials: number;
  weight: number;
}

export interface PlayerStats {
  total: number;
  arms: Map<string, ArmStats>;
}

export type Table = Map<string, PlayerStats>;

function armNotRegistered(arm: string): Error {
  return new Error(`arm_id is not registered: ${arm}`);
}

export class SummationStorage {
  arms: string[] = [];
  mixed: Table = new Map();
  unmixed: Table = new Map();

  constructor(readonly assumeUnrewarded: boolean) {}

  registerArm(arm: string): boolean {
    if (this.arms.includes(arm)) return false;
    this.arms.push(arm);
    for (const p of this.unmixed.values()) if (!p.arms.has(arm)) p.arms.set(arm, { trials: 0, weight: 0 });
    return true;
  }

  deleteArm(arm: string): boolean {
    for (const t of [this.mixed, this.unmixed]) {
      for (const p of t.values()) {
        const a = p.arms.get(arm);
        if (a) p.total -= a.trials;
        p.arms.delete(arm);
      }
    }
    const before = this.arms.length;
    this.arms = this.arms.filter((a) => a !== arm);
    return this.arms.length !== before;
  }

  /** The player's unmixed entry, created with every registered arm at zero. */
  private local(player: string): PlayerStats {
    let p = this.unmixed.get(player);
    if (!p) {
      p = { total: 0, arms: new Map(this.arms.map((a) => [a, { trials: 0, weight: 0 }])) };
      this.unmixed.set(player, p);
    }
    return p;
  }

  notifySelected(player: string, arm: string): void {
    if (!this.assumeUnrewarded) return;
    const p = this.local(player);
    const a = p.arms.get(arm);
    if (!a) throw armNotRegistered(arm);
    p.total += 1;
    a.trials += 1;
  }

  registerReward(player: string, arm: string, reward: number): boolean {
    const p = this.local(player);
    const a = p.arms.get(arm);
    if (!a) throw armNotRegistered(arm);
    if (!this.assumeUnrewarded) {
      a.trials += 1;
      p.total += 1;
    }
    a.weight += reward;
    return true;
  }

  armInfo(player: string, arm: string): ArmStats {
    const m = this.mixed.get(player)?.arms.get(arm);
    const u = this.unmixed.get(player)?.arms.get(arm);
    return { trials: (m?.trials ?? 0) + (u?.trials ?? 0), weight: (m?.weight ?? 0) + (u?.weight ?? 0) };
  }

  expectation(player: string, arm: string): number {
    const a = this.armInfo(player, arm);
    return a.trials === 0 ? 0 : a.weight / a.trials;
  }

  totalTrials(player: string): number {
    return (this.unmixed.get(player)?.total ?? 0) + (this.mixed.get(player)?.total ?? 0);
  }

  reset(player: string): boolean {
    const m = this.mixed.delete(player);
    const u = this.unmixed.delete(player);
    return m || u;
  }

  clear(): void {
    this.arms = [];
    this.mixed = new Map();
    this.unmixed = new Map();
  }

  /** MIX's sum: adds `from` into `into` (which it may extend). */
  static mixInto(from: Table, into: Table): Table {
    for (const [player, p] of from) {
      let q = into.get(player);
      if (!q) {
        q = { total: 0, arms: new Map() };
        into.set(player, q);
      }
      for (const [arm, a] of p.arms) {
        const b = q.arms.get(arm);
        if (b) {
          b.trials += a.trials;
          b.weight += a.weight;
        } else q.arms.set(arm, { trials: a.trials, weight: a.weight });
      }
      q.total += p.total;
    }
    return into;
  }

  putDiff(d: Table): boolean {
    SummationStorage.mixInto(d, this.mixed);
    this.unmixed = new Map();
    return true;
  }

  /** The model: `[arm_ids, mixed, unmixed]`. */
  pack(w: MsgWriter): void {
    w.arrayHeader(3);
    w.arrayHeader(this.arms.length);
    for (const a of this.arms) w.str(a);
    writeTable(w, this.mixed);
    writeTable(w, this.unmixed);
  }

  static unpack(v: MsgValue, assumeUnrewarded: boolean): SummationStorage {
    const [arms, mixed, unmixed] = expectArray(v, 'bandit storage', 3);
    const s = new SummationStorage(assumeUnrewarded);
    s.arms = expectArray(arms!, 'bandit arm ids').map((a) => expectString(a, 'bandit arm id'));
    s.mixed = readTable(mixed!);
    s.unmixed = readTable(unmixed!);
    return s;
  }
}

function reversed<K, V>(m: Map<K, V>): Array<[K, V]> {
  return [...m].reverse();
}

export function writeTable(w: MsgWriter, t: Table): void {
  w.mapHeader(t.size);
  for (const [player, p] of reversed(t)) {
    w.str(player);
    w.arrayHeader(2);
    w.int(p.total);
    w.mapHeader(p.arms.size);
    for (const [arm, a] of reversed(p.arms)) {
      w.str(arm);
      w.arrayHeader(2);
      w.int(a.trials);
      w.float64(a.weight);
    }
  }
}

function readInt(v: MsgValue, what: string): number {
  const n = expectNumber(v, what);
  if (!Number.isInteger(n)) throw new MsgpackError(`${what}: expected an integer`);
  return n;
}

/** Reads a table written by writeTable (or 1.1.1), restoring insertion order. */
export function readTable(v: MsgValue): Table {
  const t: Table = new Map();
  for (const [k, pv] of [...expectMap(v, 'bandit table').entries].reverse()) {
    const [total, armsV] = expectArray(pv, 'bandit player', 2);
    const arms = new Map<string, ArmStats>();
    for (const [ak, av] of [...expectMap(armsV!, 'bandit arms').entries].reverse()) {
      const [trials, weight] = expectArray(av, 'bandit arm info', 2);
      arms.set(expectString(ak, 'bandit arm id'), { trials: readInt(trials!, 'bandit trial count'), weight: expectNumber(weight!, 'bandit weight') });
    }
    t.set(expectString(k, 'bandit player id'), { total: readInt(total!, 'bandit total trials'), arms });
  }
  return t;
}
