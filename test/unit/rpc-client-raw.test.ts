import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { MsgWriter } from '../../src/msgpack/writer.js';
import { RpcClient } from '../../src/rpc/client.js';

/** Every byte a client sends, until it has sent `until` bytes. */
async function captured(send: (c: RpcClient) => void, until: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const server = net.createServer((s) => s.on('data', (d) => {
    chunks.push(d);
    got += d.length;
    if (got >= until) done();
  }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  const c = new RpcClient({ host: '127.0.0.1', port, timeoutMs: 0 });
  send(c);
  await all;
  c.close();
  await new Promise((r) => server.close(r));
  return Buffer.concat(chunks);
}

describe('RpcClient.callRaw', () => {
  it('sends the same bytes as call with a raw param, in order with the calls around it', async () => {
    for (const size of [0, 31, 32, 70_000]) {
      const payload = new Uint8Array(size).map((_, i) => i * 7);
      const sendAll = (raw: boolean) => (c: RpcClient): void => {
        void c.call('a', (w) => { w.arrayHeader(1); w.int(0); }).catch(() => undefined);
        if (raw) void c.callRaw('put_diff', payload).catch(() => undefined);
        else void c.call('put_diff', (w) => { w.arrayHeader(1); w.raw(payload); }).catch(() => undefined);
        void c.call('b', (w) => { w.arrayHeader(0); }).catch(() => undefined);
      };
      const w = new MsgWriter();
      [['a', () => { w.arrayHeader(1); w.int(0); }], ['put_diff', () => { w.arrayHeader(1); w.raw(payload); }], ['b', () => w.arrayHeader(0)]]
        .forEach(([name, params], msgid) => {
          w.arrayHeader(4);
          w.int(0);
          w.int(msgid);
          w.str(name as string);
          (params as () => void)();
        });
      const wire = Buffer.from(w.toBytes());
      expect((await captured(sendAll(false), wire.length)).equals(wire)).toBe(true);
      expect((await captured(sendAll(true), wire.length)).equals(wire)).toBe(true);
    }
  });
});
