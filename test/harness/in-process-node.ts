/**
 * A cluster member in the test's own process: a real EngineServer on a loopback port, its own
 * ZooKeeper session, registered in `nodes/`, with a real mixer. MIX tests drive rounds and
 * read the model directly; the session is a real ZooKeeper's (`zkHosts`) or an in-memory one
 * (`coordination`, test/harness/memory-zk.ts).
 */
import os from 'node:os';
import { prepareJubatus, registerNode } from '../../src/cluster/membership.js';
import { Zk, type Coordination } from '../../src/cluster/zk.js';
import type { EngineFactory } from '../../src/engine/engine.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import { EngineServer } from '../../src/server/engine-server.js';
import { createMixer } from '../../src/server/mix/create-mixer.js';
import type { Mixer } from '../../src/server/mix/mixer.js';
import { SERVER_DEFAULTS, type MixerName } from '../../src/server/options.js';
import { freePort } from './processes.js';

export interface InProcessNode {
  server: EngineServer;
  mixer: Mixer;
  zk: Coordination & { close(): Promise<void> };
  ipPort: string;
  /** What the mixer reported as fatal (a real server would stop). */
  fatals: string[];
}

export interface InProcessNodeOptions {
  /** A real ZooKeeper's hosts, or: */
  zkHosts?: string;
  /** this node's own session on an in-memory ZooKeeper. */
  coordination?: Coordination & { close(): Promise<void> };
  factory: EngineFactory;
  type: string;
  cluster: string;
  config: object;
  mixer?: MixerName;
  intervalSec?: number;
  intervalCount?: number;
  logger?: Logger;
  /** False: the mixer is created but not started (the test starts it). */
  start?: boolean;
}

export async function startInProcessNode(o: InProcessNodeOptions): Promise<InProcessNode> {
  // A fixed port from the start: the engine's row owner is `ip_port` when it is built.
  const port = await freePort();
  const logger = o.logger ?? silentLogger;
  const options = {
    ...SERVER_DEFAULTS, listenAddr: '127.0.0.1', rpcPort: port, datadir: os.tmpdir(), timeout: 0,
    zookeeper: o.zkHosts ?? 'memory', name: o.cluster, mixer: o.mixer ?? 'linear_mixer',
  };
  const server = new EngineServer({
    factory: o.factory, descriptor: loadEngineDescriptor(o.type), options,
    configText: JSON.stringify(o.config), configSource: `/jubatus/config/${o.type}/${o.cluster}`, logger,
  });
  const zk = o.coordination ?? (await Zk.connect(o.zkHosts!, { sessionTimeoutMs: 10_000 }));
  await prepareJubatus(zk, o.type, o.cluster);
  const fatals: string[] = [];
  const mixer = createMixer(options.mixer, {
    server, zk: () => zk, type: o.type, name: o.cluster,
    intervalSec: o.intervalSec ?? 0, intervalCount: o.intervalCount ?? 0, interconnectTimeoutSec: 5,
    logger, fatal: (reason) => void fatals.push(reason),
  });
  server.statusProviders.push(() => ({ mixer: options.mixer, ...mixer.status() }));
  await server.listen();
  await registerNode(zk, o.type, o.cluster, server.ipPort);
  if (o.start !== false) mixer.start();
  return { server, mixer, zk, ipPort: server.ipPort, fatals };
}

export async function stopInProcessNode(n: InProcessNode): Promise<void> {
  await n.mixer.stop();
  await n.zk.close();
  await n.server.close();
}
