import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMulti, encode } from '@msgpack/msgpack';
import { RpcServer, type RpcMethod } from '../../src/rpc/server.js';
import { RpcClient } from '../../src/rpc/client.js';
import { RpcClosedError, RpcConnectError, RpcError, RpcTimeoutError, RpcTransportError } from '../../src/rpc/errors.js';
import { ArgumentError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { bytesToString } from '../../src/msgpack/reader.js';
import { eventually } from '../harness/wait.js';

const methods = new Map<string, RpcMethod>([
  ['echo', {
    call: (p) => {
      if (p.length < 2) throw new ArgumentError('echo takes 2 params');
      return bytesToString(p[1] as Uint8Array);
    },
    encodeResult: (w, r) => w.str(r as string),
  }],
  ['slow', {
    // Resolves after the given delay, so later calls can overtake it.
    call: (p) => new Promise((res) => setTimeout(() => res(p[1]), p[1] as number)),
    encodeResult: (w, r) => w.int(r as number),
  }],
  ['fail', { call: () => { throw new Error('empty id is not allowed'); }, encodeResult: (w) => w.nil() }],
]);

let server: RpcServer;
let port: number;

beforeAll(async () => {
  server = new RpcServer({ timeoutSec: 1, maxFrameBytes: 4096, logger: silentLogger, lookup: (n) => methods.get(n) });
  port = await server.listen(0, '127.0.0.1');
});
afterAll(() => server.close());

/** Sends raw bytes on a fresh socket and collects decoded replies until `count` arrive or it closes. */
function rawExchange(bytes: Uint8Array, count: number): Promise<{ replies: unknown[]; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const replies: unknown[] = [];
    s.on('connect', () => s.write(bytes));
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      replies.length = 0;
      try {
        for (const r of decodeMulti(buf)) replies.push(r);
      } catch { /* a reply is still partial */ }
      if (replies.length >= count) { s.destroy(); resolve({ replies, closed: false }); }
    });
    s.on('close', () => resolve({ replies, closed: true }));
  });
}

describe('RpcServer error semantics (Jubatus §1.4)', () => {
  it('answers an unknown method with error 1 and the method name', async () => {
    const { replies } = await rawExchange(encode([0, 7, 'nope', ['']]), 1);
    expect(replies[0]).toEqual([1, 7, 1, 'nope']);
  });

  it('answers bad params with error 2 and a method failure with its message', async () => {
    const { replies } = await rawExchange(
      Buffer.concat([encode([0, 1, 'echo', ['']]), encode([0, 2, 'echo', 'notarray']), encode([0, 3, 'fail', ['']])]),
      3,
    );
    expect(replies[0]).toEqual([1, 1, 2, 'echo takes 2 params']);
    expect((replies[1] as unknown[])[2]).toBe(2);
    expect(replies[2]).toEqual([1, 3, 'empty id is not allowed', null]);
  });

  it('ignores extra trailing params', async () => {
    const { replies } = await rawExchange(encode([0, 9, 'echo', ['', 'hi', 'extra', 3]]), 1);
    expect(replies[0]).toEqual([1, 9, null, 'hi']);
  });

  it('runs notifications without replying', async () => {
    const { replies } = await rawExchange(Buffer.concat([encode([2, 'echo', ['', 'x']]), encode([0, 5, 'echo', ['', 'y']])]), 1);
    expect(replies).toEqual([[1, 5, null, 'y']]);
  });
});

describe('RpcServer robustness', () => {
  it('closes only the connection that sent garbage', async () => {
    const good = new RpcClient({ host: '127.0.0.1', port });
    await expect(good.call('echo', (w) => { w.arrayHeader(2); w.str(''); w.str('a'); })).resolves.toEqual(new Uint8Array(Buffer.from('a')));
    const bad = await rawExchange(new Uint8Array([0xc1, 0x00]), 1);
    expect(bad.closed).toBe(true);
    const notRpc = await rawExchange(encode('hello'), 1);
    expect(notRpc.closed).toBe(true);
    await expect(good.call('echo', (w) => { w.arrayHeader(2); w.str(''); w.str('b'); })).resolves.toEqual(new Uint8Array(Buffer.from('b')));
    good.close();
  });

  it('closes a connection whose frame is over the limit', async () => {
    const r = await rawExchange(encode([0, 1, 'echo', ['', 'x'.repeat(10000)]]), 1);
    expect(r.closed).toBe(true);
    expect(r.replies).toEqual([]);
  });

  it('closes idle connections after --timeout', async () => {
    const c = new RpcClient({ host: '127.0.0.1', port });
    await c.call('echo', (w) => { w.arrayHeader(2); w.str(''); w.str('a'); });
    // The 1 s timeout passes however long the machine takes: wait for the hang-up itself.
    await eventually(() => server.connections === 0, 'the server to close the idle connection', 30_000, 50);
    // The server hung up; the client reconnects on the next call.
    await expect(c.call('echo', (w) => { w.arrayHeader(2); w.str(''); w.str('again'); })).resolves.toEqual(new Uint8Array(Buffer.from('again')));
    c.close();
  });
});

describe('RpcClient', () => {
  it('matches out-of-order replies by msgid', async () => {
    const c = new RpcClient({ host: '127.0.0.1', port });
    const order: number[] = [];
    const slow = c.call('slow', (w) => { w.arrayHeader(2); w.str(''); w.int(150); }).then((v) => { order.push(v as number); return v; });
    const fast = c.call('slow', (w) => { w.arrayHeader(2); w.str(''); w.int(1); }).then((v) => { order.push(v as number); return v; });
    expect(await Promise.all([slow, fast])).toEqual([150, 1]);
    expect(order).toEqual([1, 150]);
    c.close();
  });

  it('times out a call with the library message, and reports error codes', async () => {
    const c = new RpcClient({ host: '127.0.0.1', port });
    const e = await c.call('slow', (w) => { w.arrayHeader(2); w.str(''); w.int(500); }, 50).catch((x) => x);
    // No answer came: a transport error, not an answer of the server.
    expect(e).toBeInstanceOf(RpcTimeoutError);
    expect(e).toBeInstanceOf(RpcTransportError);
    expect(e).not.toBeInstanceOf(RpcError);
    expect((e as Error).message).toBe(`slow: request timed out after 50 ms (127.0.0.1:${port})`);
    // Answered errors keep the response's error field and result.
    const e1 = await c.call('nope', (w) => w.arrayHeader(0)).catch((x) => x);
    expect(e1).toBeInstanceOf(RpcError);
    expect(e1).not.toBeInstanceOf(RpcTransportError);
    expect((e1 as RpcError).error).toBe(1);
    expect(bytesToString((e1 as RpcError).result as Uint8Array)).toBe('nope');
    const e2 = await c.call('fail', (w) => { w.arrayHeader(1); w.str(''); }).catch((x) => x);
    expect(e2).toBeInstanceOf(RpcError);
    expect((e2 as RpcError).message).toBe('empty id is not allowed');
    const e3 = await c.call('echo', (w) => w.arrayHeader(0)).catch((x) => x);
    expect(e3).toBeInstanceOf(RpcError);
    expect((e3 as RpcError).error).toBe(2);
    c.close();
  });

  it('fails calls to a closed port with connect failed', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const freePort = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const c = new RpcClient({ host: '127.0.0.1', port: freePort });
    const e = await c.call('echo', (w) => w.arrayHeader(0)).catch((x) => x);
    expect(e).toBeInstanceOf(RpcConnectError);
    expect(e).toBeInstanceOf(RpcTransportError);
    expect(e).not.toBeInstanceOf(RpcError);
    expect((e as Error).message).toMatch(new RegExp(`^connect failed: 127\\.0\\.0\\.1:${freePort} \\(.*ECONNREFUSED`));
  });

  it('fails calls waiting on a connection the server resets with connection closed', async () => {
    const dropper = net.createServer((s) => s.on('data', () => s.destroy()));
    await new Promise<void>((r) => dropper.listen(0, '127.0.0.1', r));
    const dropPort = (dropper.address() as net.AddressInfo).port;
    const c = new RpcClient({ host: '127.0.0.1', port: dropPort });
    try {
      const e = await c.call('echo', (w) => w.arrayHeader(0)).catch((x) => x);
      expect(e).toBeInstanceOf(RpcClosedError);
      expect(e).toBeInstanceOf(RpcTransportError);
      expect(e).not.toBeInstanceOf(RpcError);
      expect((e as Error).message).toBe(`connection closed: 127.0.0.1:${dropPort}`);
    } finally {
      c.close();
      await new Promise((r) => dropper.close(r));
    }
  });
});
