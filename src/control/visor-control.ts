/**
 * jubactl's start/stop (framework spec §9.2): split N servers over the visors registered in
 * `/jubatus/supervisors` and ask each one, over msgpack-rpc, to start or stop its share.
 */
import { listSupervisors } from '../cluster/membership.js';
import * as P from '../cluster/paths.js';
import type { Coordination } from '../cluster/zk.js';
import { JubaError } from '../errors.js';
import { bytesToString, type MsgValue } from '../msgpack/reader.js';
import { RpcClient } from '../rpc/client.js';
import { encodeServerArgv, SERVER_ARGV_DEFAULTS, type ServerArgv } from '../server/server-argv.js';

export type VisorCommand = 'start' | 'stop';

export interface VisorRequest {
  cmd: VisorCommand;
  /** Server program name, e.g. jubanearest_neighbor. */
  server: string;
  type: string;
  name: string;
  /** Total servers; 0 = one per visor. */
  num: number;
  /** The fields jubactl forwards; the rest keep server_argv's defaults. */
  argv: Partial<ServerArgv>;
  timeoutMs?: number;
}

export interface VisorResult {
  visor: string;
  /** How many servers this visor was asked for. */
  n: number;
  ok: boolean;
  /** The visor's answer (0 ok, negative = refused/failed). */
  code?: number;
  error?: string;
}

export interface VisorReport {
  cmd: VisorCommand;
  target: string;
  results: VisorResult[];
}

/**
 * jubactl's split: every visor gets ⌊N/V⌋ and the first N mod V (in sorted order) one more;
 * N = 0 means one per visor.
 */
export function splitServers(total: number, visors: number): number[] {
  if (visors <= 0) return [];
  const n = total === 0 ? visors : total;
  const base = Math.floor(n / visors);
  const extra = n % visors;
  return Array.from({ length: visors }, (_, i) => base + (i < extra ? 1 : 0));
}

/** The server_argv jubactl sends: name = `<server>/<name>`, program_name = the type. */
export function jubactlArgv(req: Pick<VisorRequest, 'server' | 'type' | 'name' | 'argv'>, zookeeper: string): ServerArgv {
  return { ...SERVER_ARGV_DEFAULTS, ...req.argv, programName: req.type, z: zookeeper, name: `${req.server}/${req.name}` };
}

function answer(v: MsgValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new Error(`unexpected answer ${v instanceof Uint8Array ? bytesToString(v) : String(v)}`);
}

async function callVisor(visor: string, req: VisorRequest, n: number, argv: ServerArgv): Promise<VisorResult> {
  const { host, port } = P.parseIpPort(visor);
  const timeoutMs = req.timeoutMs ?? 10_000;
  const c = new RpcClient({ host, port, timeoutMs, connectTimeoutMs: timeoutMs });
  const key = `${req.server}/${req.name}`;
  try {
    const code = answer(
      await c.call(req.cmd, (w) => {
        w.arrayHeader(req.cmd === 'start' ? 3 : 2);
        w.str(key);
        w.int(n);
        if (req.cmd === 'start') encodeServerArgv(w, argv);
      }),
    );
    return code === 0
      ? { visor, n, ok: true, code }
      : { visor, n, ok: false, code, error: `the visor answered ${code}; see its log for why` };
  } catch (e) {
    return { visor, n, ok: false, error: e instanceof Error ? e.message : String(e) };
  } finally {
    c.close();
  }
}

/** Sends start/stop to every visor; throws `not_found` when none is registered. */
export async function sendToVisors(zk: Coordination, req: VisorRequest): Promise<VisorReport> {
  const target = `${req.server}/${req.name}`;
  if (req.cmd === 'start') await zk.mkdirp(P.nodes(req.type, req.name));
  const visors = await listSupervisors(zk);
  if (visors.length === 0) {
    throw new JubaError(`no visor to ${req.cmd} ${target}: nothing is registered under ${P.SUPERVISORS}`, {
      code: 'not_found',
      hint: `run \`juba visor -z ${zk.hosts}\` (or jubavisor) on each host first`,
    });
  }
  const counts = splitServers(req.num, visors.length);
  const argv = jubactlArgv(req, zk.hosts);
  const results = await Promise.all(visors.map((v, i) => callVisor(v, req, counts[i]!, argv)));
  return { cmd: req.cmd, target, results };
}

/** What a visor runs (juba's `list` RPC; a stock jubavisor has none). */
export interface VisorChildren {
  visor: string;
  children?: Array<{ key: string; port: number; pid: number | null }>;
  error?: string;
}

export async function listVisorChildren(visor: string, timeoutMs = 10_000): Promise<VisorChildren> {
  const { host, port } = P.parseIpPort(visor);
  const c = new RpcClient({ host, port, timeoutMs, connectTimeoutMs: timeoutMs });
  try {
    const r = await c.call('list', (w) => w.arrayHeader(0));
    if (!Array.isArray(r)) throw new Error('unexpected answer to list');
    const children = r.map((e) => {
      const [k, p, pid] = e as MsgValue[];
      return { key: bytesToString(k as Uint8Array), port: Number(p), pid: pid === null || pid === undefined ? null : Number(pid) };
    });
    return { visor, children };
  } catch (e) {
    return { visor, error: e instanceof Error ? e.message : String(e) };
  } finally {
    c.close();
  }
}
