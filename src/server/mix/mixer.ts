/**
 * MIX: how the servers of one cluster converge (framework spec §6). A mixer registers its
 * internal RPCs on the server, counts updates (it takes over `server.onUpdate`, chaining any
 * previous hook), decides when to run a round, and keeps the server's `actives/` registration
 * in step with whether its model is current. It does not add itself to `statusProviders`: the
 * caller merges `status()` with the other distributed keys.
 */
import type { Coordination } from '../../cluster/zk.js';
import type { Logger } from '../../logger.js';
import type { EngineServer } from '../engine-server.js';
import type { MixerName } from '../options.js';
import type { MixStats } from './mix-common.js';

export interface MixerContext {
  server: EngineServer;
  /** The cluster's ZooKeeper session (it re-creates `actives/` after a new session). */
  zk(): Coordination;
  type: string;
  name: string;
  intervalSec: number;
  intervalCount: number;
  /** Per-call timeout for server-to-server RPCs, seconds. */
  interconnectTimeoutSec: number;
  logger: Logger;
  /** Asks the process to stop (MIX protocol mismatch: Jubatus SIGTERMs itself). */
  fatal(reason: string): void;
}

export interface Mixer {
  readonly name: MixerName;
  /** Starts the mixer loop (after the server listens and is registered in nodes/). */
  start(): void;
  /**
   * What the `do_mix` RPC runs: linear_mixer waits for the master lock and runs a round; the
   * push mixers run a round at once. False when the round failed.
   */
  doMix(): Promise<boolean>;
  /** Stops the loop and waits for a running round to end. */
  stop(): Promise<void>;
  /** juba's own MIX figures (rounds, bytes, failures), read by /metrics. */
  readonly stats: MixStats;
  /** Status keys (Jubatus's `linear_mixer.*` / `push_mixer.*` plus juba's `mix.*`). */
  status(): Record<string, string>;
}
