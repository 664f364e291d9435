/**
 * A cluster server's side of `Engine.globalIdMethods` (1.1.1's anomaly add/add_bulk): the
 * call's ids come from the cluster's ZooKeeper id generator, drawn before any lock is taken,
 * then the rows are written here under the write lock, or on the first id's CHT owners — this
 * server directly, the others through their own IDL update method (they lock and count it).
 * No lock is held while ZooKeeper or a peer answers, so two servers adding to each other at
 * once cannot deadlock.
 */
import { chtOwnersNow } from '../cluster/cht.js';
import { drawGlobalId, ensureIdGenerator } from '../cluster/id-generator.js';
import * as P from '../cluster/paths.js';
import type { Coordination } from '../cluster/zk.js';
import type { GlobalIdMethod, GlobalIdWrite } from '../engine/engine.js';
import { JubaError } from '../errors.js';
import { decodeValue, encodeValue } from '../idl/codec.js';
import type { Logger } from '../logger.js';
import type { EngineServer } from './engine-server.js';
import { peerClient } from './mix/mix-common.js';

export interface GlobalIdContext {
  server: EngineServer;
  /** The current ZooKeeper session (it may be renewed). */
  zk: () => Coordination;
  type: string;
  name: string;
  interconnectTimeoutSec: number;
  logger: Logger;
}

/**
 * Creates the id generator's node and routes the engine's global-id methods through it; false
 * (and nothing changed) when the engine has none.
 */
export async function installGlobalIdMethods(ctx: GlobalIdContext): Promise<boolean> {
  const methods = ctx.server.engine.globalIdMethods?.();
  if (!methods || Object.keys(methods).length === 0) return false;
  await ensureIdGenerator(ctx.zk(), ctx.type, ctx.name);
  for (const name of Object.keys(methods)) {
    ctx.server.overrideIdlMethod(name, (args) => runGlobalIdMethod(ctx, name, args));
  }
  return true;
}

async function runGlobalIdMethod(ctx: GlobalIdContext, name: string, args: unknown[]): Promise<unknown> {
  // Asked per call: a load may have replaced the engine.
  const m: GlobalIdMethod | undefined = ctx.server.engine.globalIdMethods?.()?.[name];
  if (!m) throw new JubaError(`engine ${ctx.server.engine.type} has no global-id method ${name}`);
  const ids: string[] = [];
  for (let i = m.idCount(args); i > 0; i--) ids.push(String(await drawGlobalId(ctx.zk(), ctx.type, ctx.name)));
  const write = m.write(ids, args);
  if (write.kind === 'local') {
    const result = await ctx.server.runUpdate(write.run);
    if (write.thenOnOthers) await callOnOthers(ctx, write.thenOnOthers.method, write.thenOnOthers.args);
    return result;
  }
  return writeOnOwners(ctx, write.key ?? ids[0]!, write);
}

/** Every other registered member runs IDL method `method`; failures are logged, not raised. */
async function callOnOthers(ctx: GlobalIdContext, method: string, args: unknown[]): Promise<void> {
  let members: string[];
  try {
    members = await ctx.zk().getChildren(P.nodes(ctx.type, ctx.name));
  } catch (e) {
    ctx.logger.warn({ method, err: (e as Error).message }, 'cannot list the members');
    return;
  }
  await Promise.all(members.filter((m) => m !== ctx.server.ipPort).map(async (member) => {
    try {
      await callOn(ctx, member, method, args);
    } catch (e) {
      ctx.logger.warn({ method, member, err: (e as Error).message }, 'a member failed');
    }
  }));
}

async function writeOnOwners(ctx: GlobalIdContext, id: string, w: Extract<GlobalIdWrite, { kind: 'cht' }>): Promise<unknown> {
  const owners = await chtOwnersNow(ctx.zk(), ctx.type, ctx.name, id, w.replicas);
  if (owners.length === 0) throw new JubaError(`no server found in cht: ${ctx.name}`);
  let first: unknown;
  try {
    first = await writeOn(ctx, owners[0]!, w);
  } catch (e) {
    const message = (e as Error).message;
    const owner = owners[0]!.replace('_', ':');
    throw new JubaError(w.failure ? w.failure(message, owner) : `failed to add ID ${id} (${message}): ${owner}`);
  }
  for (const replica of owners.slice(1)) {
    try {
      await writeOn(ctx, replica, w);
    } catch (e) {
      ctx.logger.warn({ id, replica, err: (e as Error).message }, 'cannot create a replica');
    }
  }
  return w.answer(first);
}

/** The write on one owner: here under the write lock, elsewhere by RPC (the IDL types encode the arguments). */
async function writeOn(ctx: GlobalIdContext, owner: string, w: Extract<GlobalIdWrite, { kind: 'cht' }>): Promise<unknown> {
  return callOn(ctx, owner, w.method, w.args);
}

/** IDL update method `method` on one member: here under the write lock, elsewhere by RPC. */
async function callOn(ctx: GlobalIdContext, owner: string, method: string, args: unknown[]): Promise<unknown> {
  const server = ctx.server;
  if (owner === server.ipPort) return server.callUpdateHere(method, args);
  const desc = server.descriptor;
  const m = desc.methods.get(method);
  if (!m) throw new JubaError(`no IDL method ${method}`);
  const client = peerClient(owner, ctx.interconnectTimeoutSec);
  try {
    const reply = await client.call(method, (out) => {
      out.arrayHeader(1 + m.params.length);
      out.str(ctx.name);
      m.params.forEach((p, i) => encodeValue(desc, p.type, args[i], out));
    });
    return m.returnType ? decodeValue(desc, m.returnType, reply, `${method} reply`) : null;
  } finally {
    client.close();
  }
}
