/**
 * What every `juba gen --lang X` live test shares: the servers (a standalone
 * `juba serve nearest_neighbor`, and the kvs example service behind `juba serve --proxy` with a
 * real ZooKeeper), the generation of both clients with --runtime, and the answers of the
 * TypeScript client to the scenario each language's program runs, for the test to compare.
 *
 * The scenario (each program prints it as one JSON object; errors as categories):
 *   nn:  clear; set_row a, b, c; similar_row_from_id a 3; neighbor_row_from_datum (1,2) 1;
 *        get_status (servers, type); save; clear; get_all_rows; load; get_all_rows;
 *        similar_row_from_id a 3 again; do_mix (unknown method on a standalone server);
 *        load of a missing model (RPC error with the server's message); set_row with a
 *        wrong argument type (the client's own check, and the server's); a call after the
 *        client's connection was closed (it reconnects); a call to a port that never answers,
 *        with a 1 s timeout (it times out).
 *   kvs: put city "Kyoto ✓"; get city; del city; get city; del city; get_status (servers);
 *        get_name.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ServiceClient } from '../../src/client/service-client.js';
import { buildDescriptor } from '../../src/idl/descriptor.js';
import { loadIdl } from '../../src/idl/parser.js';
import { RpcError } from '../../src/rpc/errors.js';
import { eventually, startMember, type Member } from '../harness/cluster.js';
import { ROOT, killStarted, runJubaToEnd } from '../harness/processes.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

export const NN_IDL = path.join(ROOT, 'idl/nearest_neighbor.idl');
export const KVS_IDL = path.join(ROOT, 'examples/kvs/kvs.idl');
const KVS_IMPL = path.join(ROOT, 'examples/kvs/kvs.js');
const KVS_CONFIG = path.join(ROOT, 'examples/kvs/config.json');

export interface Live {
  tmp: string;
  nnPort: number;
  kvsPort: number;
  kvsName: string;
  nn: Member;
  kvs: Member;
  zk: ZooKeeperInstance;
  members: Member[];
  /** A port that accepts connections and never answers, for the timeout check. */
  silentPort: number;
  silent: net.Server;
}

/** Starts the NN server and the kvs cluster (1 server + proxy); `tag` keeps names apart. */
export async function startLive(tag: string): Promise<Live> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `juba-gen-${tag}-`));
  const kvsName = `gen_${tag}`;
  const nnDesc = buildDescriptor(loadIdl(NN_IDL));
  const kvsDesc = buildDescriptor(loadIdl(KVS_IDL));
  const zkP = startZooKeeper();
  const nn = await startMember(nnDesc, `gen_${tag}`, ['nearest_neighbor', '-f', 'config/nearest_neighbor/default.json', '-d', tmp], /juba server started/);
  const zk = await zkP;
  const w = await runJubaToEnd(['config', 'write', '--idl', KVS_IDL, '-n', kvsName, '-f', KVS_CONFIG, '-z', zk.hosts]);
  if (w.code !== 0) throw new Error(`config write failed: ${w.stderr}`);
  const server = await startMember(kvsDesc, kvsName, ['--idl', KVS_IDL, '--impl', KVS_IMPL, '-z', zk.hosts, '-n', kvsName, '-d', tmp, '-Z', '2', '-I', '5'], /juba server started/);
  const kvs = await startMember(kvsDesc, kvsName, ['--idl', KVS_IDL, '--proxy', '-z', zk.hosts, '-Z', '2', '-I', '5'], /juba proxy started/);
  await eventually(async () => (await kvs.client.getStatus()).size === 1, 'the kvs server active behind the proxy');
  const held: net.Socket[] = [];
  const silent = net.createServer((sock) => void held.push(sock));
  silent.on('close', () => held.forEach((h) => h.destroy()));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const silentPort = (silent.address() as net.AddressInfo).port;
  return { tmp, nnPort: nn.port, kvsPort: kvs.port, kvsName, nn, kvs, zk, members: [nn, server, kvs], silentPort, silent };
}

export async function stopLive(live: Live | undefined): Promise<void> {
  if (!live) return;
  live.silent.close();
  for (const m of live.members) m.client.close();
  killStarted();
  await live.zk.destroy();
  fs.rmSync(live.tmp, { recursive: true, force: true });
}

/**
 * An IDL with every kind of type and names that are keywords in some language, for the
 * compile-only checks: enums, nested and empty-ish messages, nullable, object, raw, ulong,
 * float, a void internal method.
 */
export const RICH_IDL = `enum color { 0: red 1: green }
message inner { 0: float f 1: ulong big }
message box { 0: inner class 1: list<inner> items 2: map<string, color> tags 3: raw blob 4: bool default 5: string? type 6: object extra 7: byte b }
message flag { 0: bool unused }
service store {
  #- Removes \`key\`.
  #@cht(2) #@update #@all_and
  bool del(0: string key, 1: int end)
  #@random #@analysis #@pass
  list<box> find(0: box new, 1: ubyte limit, 2: double slack, 3: color c, 4: flag e)
  #@internal #@update
  void forget(0: string name)
}
`;

/** Writes RICH_IDL into `dir` and generates `lang` from it into `out`; returns stderr. */
export async function generateRich(lang: string, dir: string, out: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const idl = path.join(dir, 'store.idl');
  fs.writeFileSync(idl, RICH_IDL);
  const r = await runJubaToEnd(['gen', idl, '--lang', lang, '--runtime', '-o', out]);
  if (r.code !== 0) throw new Error(`juba gen ${idl} --lang ${lang} failed (${r.code}): ${r.stderr}`);
  return r.stderr;
}

/** `juba gen` of both IDLs for `lang` into `out` with --runtime; throws with stderr on failure. */
export async function generateBoth(lang: string, out: string, extra: string[] = []): Promise<string> {
  let stderr = '';
  for (const idl of [NN_IDL, KVS_IDL]) {
    const r = await runJubaToEnd(['gen', idl, '--lang', lang, '--runtime', '-o', out, ...extra]);
    if (r.code !== 0) throw new Error(`juba gen ${idl} --lang ${lang} failed (${r.code}): ${r.stderr}`);
    stderr += r.stderr;
  }
  return stderr;
}

function category(e: unknown): string {
  if (e instanceof RpcError) {
    if (e.error === 1) return 'unknown_method';
    if (e.error === 2) return 'type_mismatch';
    return `rpc_error: ${e.message}`;
  }
  return `local: ${(e as Error).message}`;
}

async function attempt(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
    return 'no error';
  } catch (e) {
    return category(e);
  }
}

const point = (x: number, y: number): unknown => ({ stringValues: [], numValues: [['x', x], ['y', y]], binaryValues: [] });
const scored = (v: unknown): Array<[string, number]> => (v as Array<[string, number]>).map(([id, s]) => [id, s]);

/**
 * The scenario through juba's own TypeScript client, for the comparison. `saveId` is the model
 * id the language program saved under; this run uses its own.
 */
export async function tsAnswers(live: Live, tag: string): Promise<Record<string, unknown>> {
  const nn = live.nn.client;
  const kvs = live.kvs.client;
  const out: Record<string, unknown> = {};
  const n: Record<string, unknown> = {};
  n.clear = await nn.call('clear');
  n.set = [await nn.call('set_row', 'a', point(1, 2)), await nn.call('set_row', 'b', point(1, 2.2)), await nn.call('set_row', 'c', point(-4, 1))];
  n.similar = scored(await nn.call('similar_row_from_id', 'a', 3));
  n.neighbors = (await nn.call('neighbor_row_from_datum', point(1, 2), 1) as Array<[string, number]>).map(([id]) => id);
  const status = await nn.getStatus();
  n.status = { servers: status.size, type: [...status.values()][0]!.get('type') };
  n.save = (await nn.save(`ts_${tag}`)).size;
  n.clear_again = await nn.call('clear');
  n.rows_cleared = ((await nn.call('get_all_rows')) as string[]).sort();
  n.load = await nn.load(`ts_${tag}`);
  n.rows = ((await nn.call('get_all_rows')) as string[]).sort();
  n.similar_loaded = scored(await nn.call('similar_row_from_id', 'a', 3));
  n.do_mix = await attempt(() => nn.call('do_mix'));
  n.load_missing = await attempt(() => nn.load('no_such_model'));
  out.nn = n;
  const k: Record<string, unknown> = {};
  k.put = await kvs.call('put', 'city', 'Kyoto ✓');
  k.get = await kvs.call('get', 'city');
  k.del = await kvs.call('del', 'city');
  k.get_deleted = await kvs.call('get', 'city');
  k.del_again = await kvs.call('del', 'city');
  k.servers = (await kvs.getStatus()).size;
  k.name = live.kvsName;
  out.kvs = k;
  return out;
}

/** The program's answers, with the entries only a generated client has split off. */
export function splitLocal(seen: Record<string, Record<string, unknown>>): { shared: Record<string, unknown>; local: Record<string, unknown> } {
  const { bad_arg_local, bad_arg_server, reconnect, timeout, ...nn } = seen.nn!;
  return { shared: { nn, kvs: seen.kvs }, local: { bad_arg_local, bad_arg_server, reconnect, timeout } };
}
