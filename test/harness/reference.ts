/**
 * Replays the scenarios Jubatus 1.1.1 answered (shared/reference/engines, format in its README)
 * against a real `juba serve`: the same calls, in order, with the cluster name "" first, and
 * every answer compared with 1.1.1's — values (floats within 1e-6 relative or 1e-9 absolute),
 * errors by their text or code, and the wire signature of the result.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { bytesToString, MsgMap, MsgReader, type MsgValue } from '../../src/msgpack/reader.js';
import { MsgWriter } from '../../src/msgpack/writer.js';
import { FrameBuffer } from '../../src/rpc/framing.js';
import { ROOT, startServing, type JubaProcess } from './processes.js';
import { resultSignature } from './wire-signature.js';

/** A copy of shared/reference/engines, so CI replays them from a clean clone. */
export const REFERENCE_DIR = path.join(ROOT, 'test/fixtures/reference/engines');

export interface RefCall {
  method: string;
  args: unknown[];
  result?: unknown;
  error?: unknown;
  wire?: string;
  order?: 'inner-set';
  sorted?: boolean;
  normalized?: string;
}

export interface Scenario {
  name: string;
  engine: string;
  config: string;
  calls: RefCall[];
}

/** The scenario names (`classifier-AROW`) of an engine. */
export function scenarioNames(engine: string): string[] {
  return readdirSync(REFERENCE_DIR)
    .filter((f) => f.startsWith(`${engine}-`) && f.endsWith('.seed2.json'))
    .map((f) => f.replace(/\.seed2\.json$/, ''))
    .sort();
}

export function loadScenario(name: string): Scenario {
  const j = JSON.parse(readFileSync(path.join(REFERENCE_DIR, `${name}.seed2.json`), 'utf8')) as Omit<Scenario, 'name'>;
  return { ...j, name };
}

export function modelFileOf(name: string): string {
  return path.join(REFERENCE_DIR, `${name}.seed2.jubatus`);
}

/** The config text 1.1.1 ran: the scenario's first answer (get_config). */
export function configOf(s: Scenario): string {
  const first = s.calls[0]!;
  if (first.method !== 'get_config') throw new Error(`${s.name}: first call is not get_config`);
  return first.result as string;
}

/** Starts `juba serve <engine>` on the scenario's config, or on a model file (`-m`). */
export async function serveScenario(s: Scenario, modelFile?: string): Promise<{ p: JubaProcess; port: number; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'juba-ref-'));
  const cfg = path.join(dir, 'config.json');
  writeFileSync(cfg, configOf(s));
  const args = [s.engine, '-d', dir, ...(modelFile ? ['-m', modelFile] : ['-f', cfg])];
  const { p, port } = await startServing(args, /juba server started/);
  return { p, port, dir };
}

/** JSON test data → msgpack as 1.1.1's recorder sent it: whole numbers as ints, others float64. */
function encodeArg(w: MsgWriter, x: unknown): void {
  if (typeof x === 'string') w.str(x);
  // Whole numbers beyond int64 (1e300) were floats in the recorder's JSON too: an int would wrap.
  else if (typeof x === 'number') (Number.isInteger(x) && Math.abs(x) < 2 ** 63 ? w.int(x) : w.float64(x));
  else if (typeof x === 'boolean') w.bool(x);
  else if (x === null) w.nil();
  else if (Array.isArray(x)) {
    w.arrayHeader(x.length);
    for (const y of x) encodeArg(w, y);
  } else if (typeof x === 'object') {
    const e = Object.entries(x as object);
    if (e.length === 1 && e[0]![0] === '$f') return w.float64(specialFloat(e[0]![1] as string));
    w.mapHeader(e.length);
    for (const [k, v] of e) {
      w.str(k);
      encodeArg(w, v);
    }
  } else throw new Error(`cannot encode ${typeof x}`);
}

function specialFloat(s: string): number {
  return s === 'NaN' ? NaN : s === 'Infinity' ? Infinity : s === '-Infinity' ? -Infinity : -0;
}

/** msgpack answer → plain JSON-like data: raw as UTF-8 strings, maps as objects, bigints as numbers. */
export function plain(v: MsgValue): unknown {
  if (v instanceof Uint8Array) return bytesToString(v);
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(plain);
  // MsgReader decodes maps as MsgMap (entries in wire order), not as a JS Map.
  if (v instanceof MsgMap) return Object.fromEntries(v.entries.map(([k, x]) => [String(plain(k)), plain(x)]));
  return v;
}

/** Recorded values with `{"$f": …}` turned into numbers. */
function expected(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(expected);
  if (v && typeof v === 'object') {
    const e = Object.entries(v);
    if (e.length === 1 && e[0]![0] === '$f') return specialFloat(e[0]![1] as string);
    return Object.fromEntries(e.map(([k, x]) => [k, expected(x)]));
  }
  return v;
}

function sortKey(v: unknown): string {
  return JSON.stringify(v);
}

/** Puts both sides in a comparable order where 1.1.1's order is unspecified. */
function normalise(c: RefCall, v: unknown): unknown {
  if (c.sorted && Array.isArray(v)) return [...v].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
  if (c.order === 'inner-set' && Array.isArray(v)) {
    return v.map((inner) => (Array.isArray(inner) ? [...inner].sort((a, b) => (sortKey(a[0]) < sortKey(b[0]) ? -1 : 1)) : inner));
  }
  return v;
}

/** Where `got` differs from `want` (floats within 1e-6 relative / 1e-9 absolute), or undefined. */
export function difference(got: unknown, want: unknown, at = '$'): string | undefined {
  if (typeof want === 'number' && typeof got === 'number') {
    if (Number.isNaN(want)) return Number.isNaN(got) ? undefined : `${at}: ${got} ≠ NaN`;
    if (!Number.isFinite(want)) return got === want ? undefined : `${at}: ${got} ≠ ${want}`;
    if (Object.is(want, -0) && !Object.is(got, -0) && got === 0) return `${at}: +0 ≠ -0`;
    const tol = Math.max(1e-9, Math.abs(want) * 1e-6);
    return Math.abs(got - want) <= tol ? undefined : `${at}: ${got} ≠ ${want}`;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) return `${at}: ${JSON.stringify(got)} is not a list`;
    if (got.length !== want.length) return `${at}: length ${got.length} ≠ ${want.length} (${JSON.stringify(got).slice(0, 300)})`;
    for (let i = 0; i < want.length; i++) {
      const d = difference(got[i], want[i], `${at}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (want && typeof want === 'object') {
    if (!got || typeof got !== 'object' || Array.isArray(got)) return `${at}: ${JSON.stringify(got)} is not a map`;
    const gk = Object.keys(got).sort();
    const wk = Object.keys(want).sort();
    if (sortKey(gk) !== sortKey(wk)) return `${at}: keys ${sortKey(gk)} ≠ ${sortKey(wk)}`;
    for (const k of wk) {
      const d = difference((got as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], `${at}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return got === want ? undefined : `${at}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`;
}

interface Answer {
  error: MsgValue;
  result: MsgValue;
  signature: string;
}

/** One connection, one call at a time, keeping each response frame for its wire signature. */
export class RawClient {
  private readonly frames = new FrameBuffer();
  private waiting?: (frame: Uint8Array) => void;
  private msgid = 0;
  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.frames.push(chunk);
      for (let f = this.frames.next(); f; f = this.frames.next()) this.waiting?.(f.slice());
    });
  }

  static async connect(port: number): Promise<RawClient> {
    const s = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
    return new RawClient(s);
  }

  call(method: string, args: unknown[], timeoutMs = 30_000): Promise<Answer> {
    const w = new MsgWriter(256);
    w.arrayHeader(4);
    w.int(0);
    w.int(this.msgid++);
    w.str(method);
    encodeArg(w, ['', ...args]);
    return new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer in ${timeoutMs} ms`)), timeoutMs);
      this.waiting = (frame) => {
        clearTimeout(timer);
        const msg = new MsgReader(frame).read() as MsgValue[];
        resolve({ error: msg[2] ?? null, result: msg[3] ?? null, signature: resultSignature(frame) });
      };
      this.socket.write(w.toBytes());
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** How one recorded call compares: `undefined` when juba answered as 1.1.1 did. */
export function compareCall(c: RefCall, a: Answer): string | undefined {
  if (c.error !== undefined) {
    const got = a.error instanceof Uint8Array ? bytesToString(a.error) : a.error;
    if (got !== c.error) return `error ${JSON.stringify(got)} ≠ ${JSON.stringify(c.error)} (result ${JSON.stringify(plain(a.result))})`;
    return undefined;
  }
  if (a.error !== null) return `unexpected error ${JSON.stringify(plain(a.error))}: ${JSON.stringify(plain(a.result))}`;
  if (c.method === 'get_status') {
    // Only the keys 1.1.1 recorded (those that do not depend on the machine or the clock).
    const got = Object.values(plain(a.result) as Record<string, Record<string, string>>)[0] ?? {};
    const want = Object.values(c.result as Record<string, Record<string, string>>)[0] ?? {};
    for (const [k, v] of Object.entries(want)) if (got[k] !== v) return `status ${k}: ${JSON.stringify(got[k])} ≠ ${JSON.stringify(v)}`;
    return undefined;
  }
  const d = difference(normalise(c, plain(a.result)), normalise(c, expected(c.result)));
  if (d) return d;
  if (c.wire && a.signature !== c.wire) return `wire ${a.signature} ≠ ${c.wire}`;
  return undefined;
}

export interface ReplayOptions {
  /** Calls to leave out (by index), with the reason, e.g. answers that depend on 1.1.1's random ids. */
  skip?: Record<number, string>;
  /** A custom comparison for some calls (e.g. compare as multisets); return a difference or undefined. */
  compare?: (c: RefCall, a: Answer, index: number) => string | undefined | 'default';
}

/** Replays `calls` on `port`; returns one line per call that differs (empty: all agree). */
export async function replay(port: number, calls: Array<{ index: number; call: RefCall }>, opts: ReplayOptions = {}): Promise<string[]> {
  const client = await RawClient.connect(port);
  const diffs: string[] = [];
  try {
    for (const { index, call } of calls) {
      if (opts.skip?.[index] !== undefined) continue;
      const a = await client.call(call.method, call.args);
      const custom = opts.compare?.(call, a, index);
      const d = custom === 'default' || custom === undefined && !opts.compare ? compareCall(call, a) : custom;
      if (d) diffs.push(`#${index} ${call.method}(${JSON.stringify(call.args).slice(0, 120)}): ${d}`);
    }
  } finally {
    client.close();
  }
  return diffs;
}

/** Every call of the scenario, numbered. */
export function allCalls(s: Scenario): Array<{ index: number; call: RefCall }> {
  return s.calls.map((call, index) => ({ index, call }));
}

/**
 * The analysis calls after the scenario's last update: what a server that loaded the model file
 * 1.1.1 saved at the end must answer the same (get_config and get_status left out).
 */
export function callsAfterLastUpdate(s: Scenario): Array<{ index: number; call: RefCall }> {
  const desc = loadEngineDescriptor(s.engine);
  const isUpdate = (c: RefCall): boolean => desc.methods.get(c.method)?.lock === 'update' && c.error === undefined;
  let last = -1;
  s.calls.forEach((c, i) => {
    if (isUpdate(c)) last = i;
  });
  return allCalls(s).filter(({ index, call }) =>
    index > last && call.method !== 'get_status' && call.method !== 'get_config' && desc.methods.has(call.method));
}
