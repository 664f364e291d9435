/**
 * The hands-on's sensor stream: points from 27 Gaussian clusters in 3-D, centred on every
 * (x, y, z) with coordinates in {0, 1, 2}, σ 0.1 on each axis. Each message is the hands-on's
 * `[id, {"x": …, "y": …, "z": …, "gp": "<cluster>"}]`; `gp` names the cluster the point came
 * from, so a query's neighbours can be checked. It is a string, so configs with numeric rules
 * only (config/nearest_neighbor/sensor.json, the hands-on's) do not learn from it.
 * The same seed gives the same stream.
 */

export const SENSOR_SIGMA = 0.1;
export const SENSOR_CLUSTERS = 27;

export type SensorMessage = [id: string, datum: { x: number; y: number; z: number; gp: string }];

/** xoshiro128**: small, fast and seedable; Math.random cannot be seeded. */
export class SeededRandom {
  private readonly s = new Uint32Array(4);

  constructor(seed: number) {
    // splitmix32 spreads one 32-bit seed over the four words of state.
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  private spare = NaN;

  /** Standard normal (Box–Muller, the second value kept for the next call). */
  gaussian(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = NaN;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Cluster `g` (0…26) is centred on (g mod 3, ⌊g/3⌋ mod 3, ⌊g/9⌋). */
export function clusterCentre(g: number): [number, number, number] {
  return [g % 3, Math.floor(g / 3) % 3, Math.floor(g / 9)];
}

export function clusterName(g: number): string {
  const [x, y, z] = clusterCentre(g);
  return `${x}${y}${z}`;
}

export interface SensorSourceOptions {
  seed: number;
  /** The first id; ids are consecutive integers written as strings, as in the hands-on. */
  firstId?: number;
}

export class SensorSource {
  private readonly rng: SeededRandom;
  private nextId: number;

  constructor(opts: SensorSourceOptions) {
    this.rng = new SeededRandom(opts.seed);
    this.nextId = opts.firstId ?? 0;
  }

  next(): SensorMessage {
    const g = this.rng.below(SENSOR_CLUSTERS);
    const [cx, cy, cz] = clusterCentre(g);
    const r = this.rng;
    const round = (v: number): number => Math.round(v * 1e6) / 1e6;
    const id = String(this.nextId++);
    return [id, {
      x: round(cx + SENSOR_SIGMA * r.gaussian()),
      y: round(cy + SENSOR_SIGMA * r.gaussian()),
      z: round(cz + SENSOR_SIGMA * r.gaussian()),
      gp: clusterName(g),
    }];
  }
}
