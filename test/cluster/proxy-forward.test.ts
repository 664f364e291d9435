/**
 * The proxy's forwarding layer against loopback servers: pooled connections (reuse, expiry,
 * size limit) and how failures of some targets become one error string (framework spec §5.4).
 */
import net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { MsgReader, bytesToString, type MsgValue } from '../../src/msgpack/reader.js';
import { MsgWriter } from '../../src/msgpack/writer.js';
import { RpcServer } from '../../src/rpc/server.js';
import { ServerPool, fanOut } from '../../src/server/proxy-forward.js';

type Handler = (params: MsgValue[]) => unknown;

interface Toy {
  ipPort: string;
  server: RpcServer;
}

const started: Array<{ close(): Promise<void> | void }> = [];

async function toy(handlers: Record<string, Handler>): Promise<Toy> {
  const server = new RpcServer({
    timeoutSec: 0,
    logger: silentLogger,
    lookup: (name) => {
      const h = handlers[name];
      return h && { call: h, encodeResult: (w, r) => (typeof r === 'string' ? w.str(r) : w.bool(r as boolean)) };
    },
  });
  const port = await server.listen(0, '127.0.0.1');
  started.push(server);
  return { ipPort: `127.0.0.1_${port}`, server };
}

/** A server that answers every request with an integer error code (RpcServer only sends 1, 2 or strings). */
async function intErrorServer(code: number): Promise<string> {
  const srv = net.createServer((s) =>
    s.on('data', (chunk) => {
      const req = new MsgReader(chunk).read() as MsgValue[];
      const w = new MsgWriter();
      w.arrayHeader(4);
      w.int(1);
      w.int(req[1] as number);
      w.int(code);
      w.nil();
      s.write(w.toBytes());
    }),
  );
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  started.push({ close: () => new Promise<void>((r) => srv.close(() => r())) });
  return `127.0.0.1_${(srv.address() as net.AddressInfo).port}`;
}

async function deadAddress(): Promise<string> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return `127.0.0.1_${port}`;
}

const pools: ServerPool[] = [];
function pool(over: { expireSec?: number; size?: number; requestTimeoutMs?: number } = {}): ServerPool {
  const p = new ServerPool({ expireSec: 60, size: 0, requestTimeoutMs: 5000, logger: silentLogger, ...over });
  pools.push(p);
  return p;
}

const params = (() => {
  const w = new MsgWriter();
  w.arrayHeader(1);
  w.str('cluster');
  return w.toBytes();
})();

function run(p: ServerPool, targets: string[], method: string, decode = (v: MsgValue): unknown => v): Promise<unknown[]> {
  return fanOut({ pool: p, targets, method, params, decode, logger: silentLogger });
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a failure');
}

afterEach(() => {
  for (const p of pools.splice(0)) p.close();
});

afterAll(async () => {
  for (const s of started) await s.close();
});

describe('ServerPool', () => {
  it('reuses one connection per server and closes it after pool_expire idle seconds', async () => {
    const a = await toy({ ping: () => true });
    const p = pool();
    for (let i = 0; i < 5; i++) expect(await run(p, [a.ipPort], 'ping')).toEqual([true]);
    expect(p.connections).toBe(1);
    expect(a.server.connections).toBe(1);
    p.sweep(Date.now() + 30_000);
    expect(p.connections).toBe(1);
    p.sweep(Date.now() + 61_000);
    expect(p.connections).toBe(0);
    expect(await run(p, [a.ipPort], 'ping')).toEqual([true]);
    expect(p.connections).toBe(1);
  });

  it('pool_size bounds pooled connections: idle ones make room, busy ones do not', async () => {
    const a = await toy({ ping: () => true });
    const b = await toy({ ping: () => true });
    const p = pool({ size: 1 });
    expect(await run(p, [a.ipPort], 'ping')).toEqual([true]);
    expect(await run(p, [b.ipPort], 'ping')).toEqual([true]);
    expect(p.connections).toBe(1);
    expect(await failure(run(p, [a.ipPort, b.ipPort], 'ping'))).toBe('connect error in proxy');
  });
});

describe('fanOut error mapping', () => {
  it('folds nothing itself: replies come back decoded, in completion order', async () => {
    const slowish = await toy({ who: () => new Promise((r) => setTimeout(() => r('slow'), 50)) });
    const quick = await toy({ who: () => 'quick' });
    const p = pool();
    const out = await run(p, [slowish.ipPort, quick.ipPort], 'who', (v) => bytesToString(v as Uint8Array));
    expect(out).toEqual(['quick', 'slow']);
  });

  it('maps remote errors: string, 1, 2, other integers, undecodable results', async () => {
    const s = await toy({ bad: () => { throw new Error('it "broke"'); }, ok: () => true });
    const p = pool();
    expect(await failure(run(p, [s.ipPort], 'bad'))).toBe('rpc_server error: "it "broke""');
    expect(await failure(run(p, [s.ipPort], 'missing'))).toBe('jubatus::server::common::mprpc::rpc_method_not_found');
    expect(await failure(run(p, [await intErrorServer(2)], 'any'))).toBe('jubatus::server::common::mprpc::rpc_type_error');
    expect(await failure(run(p, [await intErrorServer(7)], 'any'))).toBe('rpc_server error: 7');
    const undecodable = (): unknown => {
      throw new Error('bad shape');
    };
    expect(await failure(run(p, [s.ipPort], 'ok', undecodable))).toBe('no result');
  });

  it('any failed target fails the call; a transport failure outranks a remote error', async () => {
    const s = await toy({ bad: () => { throw new Error('nope'); }, ok: () => true });
    const good = await toy({ ok: () => true, bad: () => true });
    const dead = await deadAddress();
    const p = pool();
    expect(await failure(run(p, [good.ipPort, s.ipPort], 'bad'))).toBe('rpc_server error: "nope"');
    expect(await failure(run(p, [s.ipPort, dead], 'bad'))).toBe('connect error in proxy');
    expect(await failure(run(p, [good.ipPort, dead], 'ok'))).toBe('connect error in proxy');
    // The broken connection left the pool; the live one stayed.
    expect(p.connections).toBe(2);
  });

  it('the whole-request timer answers "request timed out" and retires the stuck connection', async () => {
    const stuck = await toy({ hang: () => new Promise(() => undefined), ok: () => true });
    const p = pool({ requestTimeoutMs: 200 });
    expect(await failure(run(p, [stuck.ipPort], 'hang'))).toBe('request timed out');
    expect(p.connections).toBe(0);
    expect(await run(p, [stuck.ipPort], 'ok')).toEqual([true]);
  });
});
