/**
 * A real ZooKeeper for cluster tests: Debian's `zookeeper` package on a free loopback port with
 * a temp data dir (src/cluster/local-zookeeper.ts, which `juba demo --cluster` uses too). When it
 * is not installed the test fails with the command that installs it, never skips silently.
 */
import { startLocalZooKeeper, type LocalZooKeeper } from '../../src/cluster/local-zookeeper.js';

export type ZooKeeperInstance = LocalZooKeeper;

export async function startZooKeeper(): Promise<ZooKeeperInstance> {
  try {
    return await startLocalZooKeeper();
  } catch (err) {
    const hint = (err as { hint?: string }).hint;
    throw new Error(`${(err as Error).message}${hint ? `: ${hint}` : ''}`);
  }
}
