/**
 * The RPC host that engine servers and proxies both run on: the base status keys, the
 * decoding of an IDL method's params and its argument errors on the wire, and listen's
 * port-taken error. The proxy's side of the shared keys is checked in test/cluster/proxy.test.ts.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src/client/service-client.js';
import { nearestNeighborFactory } from '../../src/engine/nearest_neighbor/service.js';
import { JubaError } from '../../src/errors.js';
import { buildDescriptor, loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { parseIdl } from '../../src/idl/parser.js';
import { silentLogger } from '../../src/logger.js';
import { bytesToString } from '../../src/msgpack/reader.js';
import { RpcClient } from '../../src/rpc/client.js';
import { RpcError } from '../../src/rpc/errors.js';
import { EngineServer } from '../../src/server/engine-server.js';
import { PROXY_DEFAULTS, SERVER_DEFAULTS } from '../../src/server/options.js';
import { RpcHost } from '../../src/server/rpc-host.js';

/** The keys every Jubatus process reports, server or proxy (framework spec §3.5, §5.5). */
const BASE_KEYS = [
  'clock_time', 'start_time', 'uptime', 'VIRT', 'RSS', 'SHR', 'timeout', 'threadnum', 'logdir', 'log_config',
  'VERSION', 'PROGNAME', 'pid', 'user',
];

const IDL = `
message point {
  0: string id
  1: double x
}
service toy {
  #@random #@update #@pass
  bool put(0: string id, 1: point p)
  #@internal #@update
  void forget(0: string id)
}
`;
const toy = buildDescriptor(parseIdl(IDL, 'toy.idl'), 'toy');

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function host(over: Partial<typeof PROXY_DEFAULTS> = {}): RpcHost {
  const h = new RpcHost({
    options: { ...PROXY_DEFAULTS, rpcPort: 0, listenAddr: '127.0.0.1', ...over }, descriptor: toy, logger: silentLogger, progName: 'jubatoy',
  });
  cleanups.push(() => h.close());
  return h;
}

function client(port: number): RpcClient {
  const c = new RpcClient({ host: '127.0.0.1', port, timeoutMs: 5000 });
  cleanups.push(() => c.close());
  return c;
}

describe('status', () => {
  it('reports the base keys, as strings, with a role\'s keys after them', () => {
    const h = host({ thread: 3, timeout: 7, logdir: '/var/log/x' });
    const base = h.status({}).get(h.ipPort)!;
    expect([...base.keys()]).toEqual(BASE_KEYS);
    expect(base.get('VERSION')).toBe('1.1.1');
    expect(base.get('PROGNAME')).toBe('jubatoy');
    expect(base.get('pid')).toBe(String(process.pid));
    expect(base.get('threadnum')).toBe('3');
    expect(base.get('timeout')).toBe('7');
    expect(base.get('logdir')).toBe('/var/log/x');
    expect(Number(base.get('uptime'))).toBeGreaterThanOrEqual(0);
    const withRole = h.status({ request_count: '5', threadnum: '1' }).get(h.ipPort)!;
    expect([...withRole.keys()]).toEqual([...BASE_KEYS, 'request_count']);
    expect(withRole.get('threadnum')).toBe('1');
  });

  it('an engine server reports the same base keys, with its program name and thread count', async () => {
    const s = new EngineServer({
      factory: nearestNeighborFactory, descriptor: loadEngineDescriptor('nearest_neighbor'),
      options: { ...SERVER_DEFAULTS, thread: 1, rpcPort: 0, listenAddr: '127.0.0.1', timeout: 4 },
      configText: JSON.stringify({ method: 'euclid_lsh', parameter: { hash_num: 8 }, converter: {} }), configSource: '', logger: silentLogger,
    });
    cleanups.push(() => s.close());
    const port = await s.listen();
    expect(s.ipPort).toBe(`127.0.0.1_${port}`);
    const c = new ServiceClient(loadEngineDescriptor('nearest_neighbor'), { host: '127.0.0.1', port, name: '' });
    cleanups.push(() => c.close());
    const mine = (await c.getStatus()).get(s.ipPort)!;
    const keys = [...mine.keys()];
    expect(keys.slice(0, BASE_KEYS.length)).toEqual(BASE_KEYS);
    expect(keys).toEqual(expect.arrayContaining(['datadir', 'is_standalone', 'type', 'configpath', 'update_count']));
    const get = (k: string): string | undefined => mine.get(k);
    expect(get('PROGNAME')).toBe('jubanearest_neighbor');
    expect(get('threadnum')).toBe('1');
    expect(get('timeout')).toBe('4');
  });
});

describe('IDL methods on the wire', () => {
  it('decodes the cluster name and the params, ignores extra ones, and encodes the result by its type', async () => {
    const h = host();
    const seen: unknown[] = [];
    h.addMethod('put', h.idlMethod(toy.methods.get('put')!, (args, name) => {
      seen.push(name, ...args);
      return true;
    }));
    h.addMethod('forget', h.idlMethod(toy.methods.get('forget')!, () => 'ignored: void'));
    const c = client(await h.listen());
    const put = (write: (w: import('../../src/msgpack/writer.js').MsgWriter) => void): Promise<unknown> => c.call('put', write);
    expect(await put((w) => {
      w.arrayHeader(4); w.str('c1'); w.str('a'); w.arrayHeader(2); w.str('p'); w.float64(1.5); w.int(99);
    })).toBe(true);
    expect(seen).toEqual(['c1', 'a', ['p', 1.5]]);
    expect(await c.call('forget', (w) => { w.arrayHeader(2); w.str('c1'); w.str('a'); })).toBeNull();
  });

  it('answers error 2 for missing params, a cluster name that is not a string, and a param of the wrong type', async () => {
    const h = host();
    h.addMethod('put', h.idlMethod(toy.methods.get('put')!, () => true));
    const c = client(await h.listen());
    const fail = async (write: (w: import('../../src/msgpack/writer.js').MsgWriter) => void): Promise<RpcError> => {
      const e = await c.call('put', write).then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(RpcError);
      expect((e as RpcError).error).toBe(2);
      return e as RpcError;
    };
    const few = await fail((w) => { w.arrayHeader(2); w.str('c1'); w.str('a'); });
    expect(bytesToString(few.result as Uint8Array)).toBe('put takes 3 params (cluster name first), got 2');
    const badName = await fail((w) => { w.arrayHeader(3); w.int(1); w.str('a'); w.arrayHeader(2); w.str('p'); w.float64(1); });
    expect(bytesToString(badName.result as Uint8Array)).toMatch(/^put: param 1 \(name: string\)/);
    const badParam = await fail((w) => { w.arrayHeader(3); w.str('c1'); w.str('a'); w.str('not a point'); });
    expect(bytesToString(badParam.result as Uint8Array)).toMatch(/^put: param 3 \(p: point\)/);
    // An unknown method is error 1 with its name, as before.
    const none = await c.call('nope', (w) => w.arrayHeader(0)).then(() => undefined, (x: unknown) => x);
    expect((none as RpcError).error).toBe(1);
  });
});

describe('listen', () => {
  it('binds port 0 to a free port and names the host by it', async () => {
    const h = host();
    const port = await h.listen();
    expect(port).toBeGreaterThan(0);
    expect(h.port).toBe(port);
    expect(h.ipPort).toBe(`127.0.0.1_${port}`);
  });

  it('names a taken port as a usage error', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => blocker.close(r)));
    const taken = (blocker.address() as net.AddressInfo).port;
    const e = await host({ rpcPort: taken }).listen().then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(JubaError);
    expect((e as JubaError).message).toBe(`rpc port ${taken} is in use (127.0.0.1:${taken})`);
    expect((e as JubaError).code).toBe('usage');
  });
});
