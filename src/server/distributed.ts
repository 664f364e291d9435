/**
 * A server in a cluster (`juba serve <engine> -z HOSTS -n NAME`), in Jubatus's startup order
 * (framework spec §3.2): ZooKeeper session, skeleton, config under the read lock (held for
 * life), engine, MIX RPCs, listen, CHT entries, `nodes/<ip_port>`, watch of our own node, mixer.
 *
 * On session expiry Jubatus exits; juba's session (cluster/session.ts) opens a new one, takes
 * the config lock again, re-creates the ephemeral nodes and watches, and the model is kept.
 */
import { registerCht } from '../cluster/cht.js';
import { readConfigWithReadLock } from '../cluster/config-store.js';
import { tryReadLock, withRetries, type LockHandle } from '../cluster/lock.js';
import { prepareJubatus, registerNode } from '../cluster/membership.js';
import * as P from '../cluster/paths.js';
import { ClusterSession, type SessionStateName } from '../cluster/session.js';
import { JubaError } from '../errors.js';
import type { Logger } from '../logger.js';
import { EngineServer } from './engine-server.js';
import { installGlobalIdMethods } from './global-id-methods.js';
import { MemberRing } from './member-ring.js';
import { checkMixer, createMixer } from './mix/create-mixer.js';
import type { Mixer } from './mix/mixer.js';
import type { ServerOptions } from './options.js';
import type { ServedService } from './served-service.js';

export interface DistributedServer {
  server: EngineServer;
  mixer: Mixer;
  /** Resolves when the server has stopped (signal, own node deleted, fatal MIX error). */
  stopped: Promise<void>;
  stop(reason: string): Promise<void>;
  /** The ZooKeeper session as /metrics and /healthz report it. */
  session(): SessionState;
}

export interface SessionState {
  state: SessionStateName;
  /** New sessions opened after an expiry. */
  renewals: number;
  /** Our nodes are in ZooKeeper (false before registering and from expiry to renewal). */
  registered: boolean;
}

export async function startDistributedServer(service: ServedService, o: ServerOptions, logger: Logger): Promise<DistributedServer> {
  const { factory, descriptor, type } = service;
  const name = o.name;

  const zk = await ClusterSession.open({ hosts: o.zookeeper, sessionTimeoutMs: o.zookeeperTimeout * 1000, logger });
  let configLock: LockHandle;
  let server: EngineServer;
  // Engines that split work by key (burst's keywords) ask the ring whether a key is theirs.
  const ring = new MemberRing(() => server.ipPort);
  const owns = descriptor.useCht ? (key: string, replicas: number): boolean => ring.owns(key, replicas) : undefined;
  try {
    await prepareJubatus(zk, type, name);
    const cfg = await readConfigWithReadLock(zk, type, name).catch((e: unknown) => {
      // The stored-config hint names -t; a user service's type is only known with its IDL.
      if (service.idlFile && e instanceof JubaError && e.code === 'not_found') {
        throw new JubaError(e.message, {
          code: 'not_found',
          hint: `store one with: juba config write --idl ${service.idlFile} -n ${name} -f <config.json> (the JSON may be just {})`,
        });
      }
      throw e;
    });
    configLock = cfg.lock;
    try {
      server = new EngineServer({ factory, descriptor, options: o, configText: cfg.text, configSource: cfg.path, logger, owns });
      checkMixer(o.mixer, server.engine, `${type} cluster ${name} (config ${cfg.path})`);
      // Methods that store rows under cluster-wide ids draw them from ZooKeeper from now on.
      await installGlobalIdMethods({ server, zk: () => zk, type, name, interconnectTimeoutSec: o.interconnectTimeout, logger });
    } catch (e) {
      await configLock.release();
      throw e;
    }
  } catch (e) {
    await zk.close();
    throw e;
  }

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping: Promise<void> | undefined;
  let registered = false;

  const mixer = createMixer(o.mixer, {
    server,
    zk: () => zk,
    type,
    name,
    intervalSec: o.intervalSec,
    intervalCount: o.intervalCount,
    interconnectTimeoutSec: o.interconnectTimeout,
    logger,
    fatal: (reason) => void stop(`fatal MIX error: ${reason}`),
  });

  server.statusProviders.push(() => ({
    zk: o.zookeeper,
    name,
    interval_sec: String(o.intervalSec),
    interval_count: String(o.intervalCount),
    zookeeper_timeout: String(o.zookeeperTimeout),
    interconnect_timeout: String(o.interconnectTimeout),
    connected_zookeeper: zk.connectedServer,
    use_cht: descriptor.useCht ? '1' : '0',
    mixer: o.mixer,
    ...mixer.status(),
  }));

  // A new session: the skeleton and the config read lock before our ephemerals come back.
  // (A renewal that fails later is retried on the same new session: one lock per session.)
  let lockedIn: unknown = zk.current;
  zk.onRenew(async (fresh) => {
    await prepareJubatus(fresh, type, name);
    if (lockedIn === fresh) return;
    const lock = await withRetries(() => tryReadLock(fresh, P.configLock(type, name)), 3, 1000);
    if (!lock) throw new JubaError('any user is writing config?');
    configLock = lock;
    lockedIn = fresh;
  });

  async function stop(reason: string): Promise<void> {
    if (stopping) return stopping;
    logger.info({ reason }, 'stopping server');
    stopping = (async () => {
      await mixer.stop().catch((e) => logger.warn({ err: (e as Error).message }, 'mixer stop failed'));
      await configLock.release().catch(() => undefined);
      await zk.close();
      await server.close();
      resolveStopped();
    })();
    return stopping;
  }

  try {
    await server.listen();
    // Ring entries, nodes/ and the watch on our node; the session keeps them across sessions.
    if (descriptor.useCht) await registerCht(zk, type, name, server.ipPort);
    const own = await registerNode(zk, type, name, server.ipPort);
    zk.watchDeleted(own, () => void stop(`own node ${own} was deleted`));
    if (owns && server.engine.membersChanged) {
      zk.watchChildren(P.nodes(type, name), (children) => {
        if (!ring.setMembers(children)) return;
        server.lock.withWrite(() => server.engine.membersChanged?.())
          .catch((e: unknown) => logger.warn({ err: (e as Error)?.message ?? String(e) }, 're-reading key ownership failed'));
      }, (e) => logger.warn({ err: (e as Error)?.message ?? String(e) }, 'watch of the members failed; key ownership may be stale'));
    }
    registered = true;
  } catch (e) {
    await configLock.release().catch(() => undefined);
    await zk.close();
    await server.close();
    throw e;
  }
  mixer.start();
  logger.info(
    {
      engine: type, name, address: `${server.eth}:${server.port}`, pid: process.pid, mode: 'distributed',
      zookeeper: o.zookeeper, mixer: o.mixer, interval_sec: o.intervalSec || 'disabled',
      interval_count: o.intervalCount || 'disabled', configpath: P.config(type, name),
    },
    'juba server started',
  );
  const session = (): SessionState => ({ state: zk.state, renewals: zk.renewals, registered: registered && zk.restored });
  return { server, mixer, stopped, stop, session };
}
