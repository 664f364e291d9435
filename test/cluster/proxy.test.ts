/**
 * The proxy against a real ZooKeeper and in-process toy backends registered exactly as servers
 * register (nodes/, actives/, cht/). The backends answer nearest_neighbor-shaped methods and
 * record what reaches them, so routing, aggregation and error mapping are visible end to end.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { chtEntryNames, findOnRing, registerCht } from '../../src/cluster/cht.js';
import { registerActive, registerNode } from '../../src/cluster/membership.js';
import * as P from '../../src/cluster/paths.js';
import type { ClusterSession } from '../../src/cluster/session.js';
import { Zk } from '../../src/cluster/zk.js';
import { buildDescriptor } from '../../src/idl/descriptor.js';
import { parseIdl } from '../../src/idl/parser.js';
import { silentLogger } from '../../src/logger.js';
import { MsgMap, bytesToString, type MsgValue } from '../../src/msgpack/reader.js';
import type { MsgWriter } from '../../src/msgpack/writer.js';
import { RpcClient } from '../../src/rpc/client.js';
import { RpcError } from '../../src/rpc/errors.js';
import { RpcServer } from '../../src/rpc/server.js';
import { PROXY_DEFAULTS, type ProxyOptions } from '../../src/server/options.js';
import { startProxy, type Proxy } from '../../src/server/proxy.js';
import { RpcHost } from '../../src/server/rpc-host.js';
import { eventually as waitUntil } from '../harness/wait.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const TYPE = 'nearest_neighbor';

const IDL = `
message id_with_score {
  0: string id
  1: double score
}
service toy {
  #@broadcast #@update #@all_and
  bool clear()
  #@cht(1) #@update #@pass
  bool set_row(0: string id, 1: datum d)
  #@cht(2) #@update #@all_and
  bool set_row2(0: string id, 1: datum d)
  #@random #@nolock #@pass
  list<id_with_score> similar_row_from_id(0: string id, 1: uint ret_num)
  #@broadcast #@analysis #@concat
  list<string> get_all_rows()
  #@broadcast #@analysis #@add
  ulong row_count()
  #@random #@analysis #@pass
  bool explode(0: string why)
  #@random #@analysis #@pass
  bool slow()
  #@internal #@update #@pass
  bool secret()
  #@internal #@update
  void nothing()
}
`;
const descriptor = buildDescriptor(parseIdl(IDL, 'toy.idl'), 'toy');

/** What the backends and the test client write: strings as raw, ints as ints, others as-is. */
function writePlain(w: MsgWriter, v: unknown): void {
  if (v === null || v === undefined) w.nil();
  else if (typeof v === 'boolean') w.bool(v);
  else if (typeof v === 'number') Number.isInteger(v) ? w.int(v) : w.float64(v);
  else if (typeof v === 'string') w.str(v);
  else if (Array.isArray(v)) {
    w.arrayHeader(v.length);
    for (const x of v) writePlain(w, x);
  } else if (v instanceof Map) {
    w.mapHeader(v.size);
    for (const [k, x] of v) {
      writePlain(w, k);
      writePlain(w, x);
    }
  } else throw new TypeError(`cannot write ${typeof v}`);
}

function plain(v: MsgValue): unknown {
  if (v instanceof Uint8Array) return bytesToString(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof MsgMap) return new Map(v.entries.map(([k, x]) => [plain(k), plain(x)]));
  return v;
}

interface Backend {
  ipPort: string;
  calls: Array<{ method: string; params: unknown[] }>;
  close(): Promise<void>;
}

interface BackendBehaviour {
  loadResult?: boolean;
  /** Methods this backend does not implement (answers error 1). */
  missing?: string[];
}

async function startBackend(b: BackendBehaviour = {}): Promise<Backend> {
  const calls: Backend['calls'] = [];
  let ipPort = '';
  const handlers: Record<string, (params: unknown[]) => unknown> = {
    clear: () => true,
    set_row: () => true,
    set_row2: () => true,
    similar_row_from_id: () => [[`near-${ipPort}`, 0.5]],
    get_all_rows: () => [`row-${ipPort}`],
    row_count: () => 2,
    get_status: () => new Map([[ipPort, new Map([['pid', ipPort]])]]),
    get_config: () => `{"from":"${ipPort}"}`,
    save: (p) => new Map([[ipPort, `/tmp/${p[1] as string}`]]),
    load: () => b.loadResult ?? true,
    explode: () => {
      throw new Error('model is on fire');
    },
    slow: () => new Promise((r) => setTimeout(() => r(true), 2000).unref()),
  };
  const server = new RpcServer({
    timeoutSec: 0,
    logger: silentLogger,
    lookup: (name) => {
      const h = handlers[name];
      if (!h || b.missing?.includes(name)) return undefined;
      return {
        call: (params: MsgValue[]) => {
          const decoded = params.map(plain);
          calls.push({ method: name, params: decoded });
          return h(decoded);
        },
        encodeResult: (w, r) => writePlain(w, r),
      };
    },
  });
  const port = await server.listen(0, '127.0.0.1');
  ipPort = P.ipPort('127.0.0.1', port);
  return { ipPort, calls, close: () => server.close() };
}

let zkServer: ZooKeeperInstance;
let zk: Zk;
let proxy: Proxy;
let client: RpcClient;
const backends: Backend[] = [];
const logLines: string[] = [];

async function backendIn(name: string, opts: { active?: boolean; cht?: boolean } & BackendBehaviour = {}): Promise<Backend> {
  const b = await startBackend(opts);
  backends.push(b);
  await registerNode(zk, TYPE, name, b.ipPort);
  if (opts.cht) await registerCht(zk, TYPE, name, b.ipPort);
  if (opts.active ?? true) await registerActive(zk, TYPE, name, b.ipPort);
  return b;
}

function call(c: RpcClient, method: string, ...params: unknown[]): Promise<unknown> {
  return c.call(method, (w) => writePlain(w, params)).then(plain);
}

async function callError(c: RpcClient, method: string, ...params: unknown[]): Promise<RpcError> {
  try {
    await call(c, method, ...params);
  } catch (e) {
    if (e instanceof RpcError) return e;
    throw e;
  }
  throw new Error(`${method} succeeded unexpectedly`);
}

const errorText = (e: RpcError): unknown => (e.error instanceof Uint8Array ? bytesToString(e.error) : e.error);

/** ZooKeeper watches fire asynchronously: poll until `check` holds. */
const eventually = (check: () => Promise<boolean>, what: string): Promise<void> => waitUntil(check, what, 20_000, 50);

/**
 * Ends the proxy's session for real (its ephemeral nodes vanish on the server) and delivers the
 * expiry event the client library raises when it next reaches ZooKeeper. Taking the session
 * over from a second client races with the owner's reconnects, so the event is raised directly.
 */
async function expireSession(session: ClusterSession): Promise<void> {
  const victim = session.current;
  await victim.close();
  victim.emit('expired');
  await waitUntil(() => session.current !== victim && session.restored, 'the proxy to open a new session', 20_000, 50);
}

const statusKeys = async (name: string): Promise<string[]> =>
  [...((await call(client, 'get_status', name)) as Map<string, unknown>).keys()].sort();

const datum = [[['k', 'v']], [['x', 1.5]], []];

function options(over: Partial<ProxyOptions> = {}): ProxyOptions {
  return { ...PROXY_DEFAULTS, rpcPort: 0, listenAddr: '127.0.0.1', zookeeper: zkServer.hosts, zookeeperTimeout: 5, interconnectTimeout: 5, ...over };
}

beforeAll(async () => {
  zkServer = await startZooKeeper();
  zk = await Zk.connect(zkServer.hosts, { sessionTimeoutMs: 10_000 });
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  proxy = await startProxy({ descriptor, engineType: TYPE, options: options(), logger });
  client = new RpcClient({ host: '127.0.0.1', port: proxy.port, timeoutMs: 20_000 });
});

afterAll(async () => {
  client?.close();
  await proxy?.close();
  for (const b of backends) await b.close();
  await zk?.close();
  await zkServer?.destroy();
});

describe('proxy registration', () => {
  it('creates the type-level skeleton and its own ephemeral znode', async () => {
    expect(proxy.ipPort).toBe(`127.0.0.1_${proxy.port}`);
    expect(await zk.getChildren(P.proxiesOf(TYPE))).toContain(proxy.ipPort);
    expect(await zk.exists(P.actorsOf(TYPE))).toBe(true);
    expect(await zk.exists(P.configsOf(TYPE))).toBe(true);
  });
});

describe('routing', () => {
  it('random spreads over actives only and forwards the declared tuple, name first', async () => {
    const a = await backendIn('rnd');
    const b = await backendIn('rnd');
    const idle = await backendIn('rnd', { active: false });
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const r = (await call(client, 'similar_row_from_id', 'rnd', 'row1', 3, 'extra ignored')) as Array<[string, number]>;
      expect(r).toHaveLength(1);
      expect(r[0]![1]).toBe(0.5);
      seen.add(r[0]![0]);
    }
    expect([...seen].sort()).toEqual([`near-${a.ipPort}`, `near-${b.ipPort}`].sort());
    expect(idle.calls).toHaveLength(0);
    expect(a.calls.length + b.calls.length).toBe(40);
    expect(a.calls[0]).toEqual({ method: 'similar_row_from_id', params: ['rnd', 'row1', 3] });
  });

  it('broadcast reaches every active server and aggregates (all_and, merge, concat, add)', async () => {
    const s = [await backendIn('bc'), await backendIn('bc', { loadResult: false }), await backendIn('bc')];
    expect(await call(client, 'clear', 'bc')).toBe(true);
    for (const b of s) expect(b.calls.map((c) => c.method)).toEqual(['clear']);
    const status = (await call(client, 'get_status', 'bc')) as Map<string, Map<string, string>>;
    expect([...status.keys()].sort()).toEqual(s.map((b) => b.ipPort).sort());
    for (const b of s) expect(status.get(b.ipPort)!.get('pid')).toBe(b.ipPort);
    expect(await call(client, 'load', 'bc', 'm1')).toBe(false);
    const saved = (await call(client, 'save', 'bc', 'm1')) as Map<string, string>;
    expect(saved.size).toBe(3);
    expect(((await call(client, 'get_all_rows', 'bc')) as string[]).sort()).toEqual(s.map((b) => `row-${b.ipPort}`).sort());
    expect(await call(client, 'row_count', 'bc')).toBe(6);
    expect(String(await call(client, 'get_config', 'bc'))).toMatch(/^\{"from":"127\.0\.0\.1_\d+"\}$/);
  });

  it('cht(1) goes to the ring owner of the key; cht(2) to two distinct servers', async () => {
    const s = [await backendIn('ring', { cht: true }), await backendIn('ring', { cht: true }), await backendIn('ring', { cht: true })];
    const owner = new Map<string, string>();
    for (const b of s) for (const e of chtEntryNames(b.ipPort)) owner.set(e, b.ipPort);
    const entries = await zk.getChildren(P.chtDir(TYPE, 'ring'));
    expect(entries).toHaveLength(24);
    const byIp = new Map(s.map((b) => [b.ipPort, b]));
    const keys = Array.from({ length: 12 }, (_, i) => `row-${i}`);
    for (const key of keys) {
      expect(await call(client, 'set_row', 'ring', key, datum)).toBe(true);
      const [want] = findOnRing(entries, (e) => owner.get(e), key, 1);
      const got = s.filter((b) => b.calls.some((c) => c.method === 'set_row' && c.params[1] === key));
      expect(got.map((b) => b.ipPort)).toEqual([want]);
      expect(byIp.get(want!)!.calls.at(-1)!.params).toEqual(['ring', key, [[['k', 'v']], [['x', 1.5]], []]]);
    }
    for (const key of keys) {
      expect(await call(client, 'set_row2', 'ring', key, datum)).toBe(true);
      const want = findOnRing(entries, (e) => owner.get(e), key, 2);
      const got = s.filter((b) => b.calls.some((c) => c.method === 'set_row2' && c.params[1] === key)).map((b) => b.ipPort);
      expect(want).toHaveLength(2);
      expect(got.sort()).toEqual([...want].sort());
    }
  });

  it('a cluster with no servers answers "no server found: <name>"', async () => {
    for (const [method, params] of [
      ['similar_row_from_id', ['ghost', 'x', 1]],
      ['clear', ['ghost']],
      ['set_row', ['ghost', 'x', datum]],
    ] as const) {
      expect(errorText(await callError(client, method, ...params))).toBe('no server found: ghost');
    }
  });
});

describe('argument and method errors', () => {
  it('mistyped or missing params are error 2 and nothing is forwarded', async () => {
    const b = await backendIn('args');
    const before = b.calls.length;
    expect((await callError(client, 'similar_row_from_id', 'args', 'x', 'three')).error).toBe(2);
    expect((await callError(client, 'similar_row_from_id', 'args', 'x')).error).toBe(2);
    expect((await callError(client, 'similar_row_from_id', 7, 'x', 1)).error).toBe(2);
    expect((await callError(client, 'similar_row_from_id', 'args', 'x', -1)).error).toBe(2);
    expect(b.calls.length).toBe(before);
  });

  it('unknown, internal and void methods are error 1', async () => {
    for (const m of ['do_mix', 'secret', 'nothing', 'no_such_method']) {
      const e = await callError(client, m, 'args');
      expect(e.error).toBe(1);
      expect(plain(e.result)).toBe(m);
    }
  });

  it('a server error string comes back as rpc_server error: "E"; a server error 1 by class name', async () => {
    await backendIn('boom', { missing: ['row_count'] });
    expect(errorText(await callError(client, 'explode', 'boom', 'why'))).toBe('rpc_server error: "model is on fire"');
    expect(errorText(await callError(client, 'row_count', 'boom'))).toBe('jubatus::server::common::mprpc::rpc_method_not_found');
  });

  it('a server slower than interconnect_timeout gives "request timed out", then the server is usable again', async () => {
    await backendIn('slowpoke');
    const quick = await startProxy({ descriptor, engineType: TYPE, options: options({ interconnectTimeout: 0.3 }), logger: silentLogger });
    const c = new RpcClient({ host: '127.0.0.1', port: quick.port, timeoutMs: 20_000 });
    try {
      expect(errorText(await callError(c, 'slow', 'slowpoke'))).toBe('request timed out');
      expect(await call(c, 'clear', 'slowpoke')).toBe(true);
    } finally {
      c.close();
      await quick.close();
    }
  });

  it('a dead server (closed, still registered) gives "connect error in proxy"', async () => {
    const b = await backendIn('dead');
    expect(await call(client, 'clear', 'dead')).toBe(true);
    await b.close();
    expect(errorText(await callError(client, 'clear', 'dead'))).toBe('connect error in proxy');
    expect(errorText(await callError(client, 'similar_row_from_id', 'dead', 'x', 1))).toBe('connect error in proxy');
  });
});

describe('membership cache', () => {
  it('follows actives/ through watches and reads nothing from ZooKeeper per call', async () => {
    const a = await backendIn('watch');
    const b = await backendIn('watch');
    expect(await statusKeys('watch')).toEqual([a.ipPort, b.ipPort].sort());

    const getChildren = vi.spyOn(proxy.zk.current.client, 'getChildren');
    const getData = vi.spyOn(proxy.zk.current.client, 'getData');
    for (let i = 0; i < 20; i++) await call(client, 'similar_row_from_id', 'watch', 'x', 1);
    expect(getChildren).not.toHaveBeenCalled();
    expect(getData).not.toHaveBeenCalled();
    getChildren.mockRestore();
    getData.mockRestore();

    await zk.remove(`${P.actives(TYPE, 'watch')}/${a.ipPort}`);
    await eventually(async () => (await statusKeys('watch')).join() === b.ipPort, 'the proxy to drop the inactive server');
    const before = a.calls.length;
    for (let i = 0; i < 20; i++) {
      expect(await call(client, 'similar_row_from_id', 'watch', 'x', 1)).toEqual([[`near-${b.ipPort}`, 0.5]]);
    }
    expect(a.calls.length).toBe(before);

    await registerActive(zk, TYPE, 'watch', a.ipPort);
    await eventually(async () => (await statusKeys('watch')).length === 2, 'the proxy to see the server again');
  });
});

describe('get_proxy_status', () => {
  it('reports every §5.5 key as a string and counts requests and forwards', async () => {
    const first = (await call(client, 'get_proxy_status', 'ignored')) as Map<string, Map<string, string>>;
    expect([...first.keys()]).toEqual([proxy.ipPort]);
    const s = first.get(proxy.ipPort)!;
    expect([...s.keys()].sort()).toEqual(
      [
        'clock_time', 'start_time', 'uptime', 'VIRT', 'RSS', 'SHR', 'VERSION', 'PROGNAME', 'pid', 'user', 'threadnum',
        'timeout', 'logdir', 'log_config', 'zookeeper', 'connected_zookeeper', 'zookeeper_timeout', 'interconnect_timeout',
        'session_pool_expire', 'session_pool_size', 'request_count', 'forward_count',
      ].sort(),
    );
    for (const v of s.values()) expect(typeof v).toBe('string');
    // The keys every host reports (an engine server's too: test/unit/rpc-host.test.ts) come first.
    const base = new RpcHost({ options: options(), descriptor, logger: silentLogger, progName: 'x' }).status({}).values().next().value!;
    expect([...s.keys()].slice(0, base.size)).toEqual([...base.keys()]);
    expect(s.get('VERSION')).toBe('1.1.1');
    expect(s.get('PROGNAME')).toBe('jubanearest_neighbor_proxy');
    expect(s.get('pid')).toBe(String(process.pid));
    expect(s.get('zookeeper')).toBe(zkServer.hosts);
    expect(s.get('connected_zookeeper')).toBe(zkServer.hosts);
    expect(s.get('threadnum')).toBe('4');
    expect(s.get('session_pool_expire')).toBe('60');

    await call(client, 'clear', 'bc'); // 3 servers
    await callError(client, 'clear', 'ghost'); // received, nothing forwarded
    const after = ((await call(client, 'get_proxy_status')) as Map<string, Map<string, string>>).get(proxy.ipPort)!;
    expect(Number(after.get('request_count'))).toBe(Number(s.get('request_count')) + 3);
    expect(Number(after.get('forward_count'))).toBe(Number(s.get('forward_count')) + 3);
    expect(proxy.status().get(proxy.ipPort)!.get('request_count')).toBe(after.get('request_count'));
  });
});

describe('ZooKeeper session expiry', () => {
  it('opens a new session, registers again and re-arms the watches', async () => {
    const a = await backendIn('expiry');
    const b = await backendIn('expiry');
    expect(await statusKeys('expiry')).toEqual([a.ipPort, b.ipPort].sort());
    const old = proxy.zk;

    await expireSession(old);
    await eventually(async () => (await zk.getChildren(P.proxiesOf(TYPE))).includes(proxy.ipPort), 'the proxy znode again');
    expect(logLines.some((l) => l.includes('session expired'))).toBe(true);
    expect(await statusKeys('expiry')).toEqual([a.ipPort, b.ipPort].sort());

    await zk.remove(`${P.actives(TYPE, 'expiry')}/${b.ipPort}`);
    await eventually(async () => (await statusKeys('expiry')).join() === a.ipPort, 'the re-armed watch to fire');
    expect(await call(client, 'clear', 'expiry')).toBe(true);
  });
});
