/**
 * The metrics endpoint in-process: the flag's values, a taken port, /healthz's answers, the
 * server figures (RPC calls through a real RpcServer, rows from the size preset), and a scrape
 * that answers while the model's write lock is held (it never waits for MIX or a load).
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src/client/service-client.js';
import { nearestNeighborFactory } from '../../src/engine/nearest_neighbor/service.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { silentLogger } from '../../src/logger.js';
import type { DistributedServer, SessionState } from '../../src/server/distributed.js';
import { EngineServer } from '../../src/server/engine-server.js';
import { instrumentServer, parseMetricsPort, startMetricsEndpoint, type MetricsEndpoint } from '../../src/server/metrics.js';
import { MixStats } from '../../src/server/mix/mix-common.js';
import { SERVER_DEFAULTS } from '../../src/server/options.js';

const CONFIG = { method: 'euclid_lsh', parameter: { hash_num: 64 }, converter: { num_rules: [{ key: '*', type: 'num' }] } };
const desc = loadEngineDescriptor('nearest_neighbor');
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function endpoint(): Promise<MetricsEndpoint> {
  const m = await startMetricsEndpoint(0, '127.0.0.1', silentLogger);
  cleanups.push(() => m.close());
  return m;
}

const get = async (m: MetricsEndpoint, p: string): Promise<{ status: number; text: string }> => {
  const r = await fetch(`http://127.0.0.1:${m.port}${p}`);
  return { status: r.status, text: await r.text() };
};

function server(): EngineServer {
  const s = new EngineServer({
    factory: nearestNeighborFactory, descriptor: desc,
    options: { ...SERVER_DEFAULTS, rpcPort: 0, listenAddr: '127.0.0.1' }, configText: JSON.stringify(CONFIG), configSource: '', logger: silentLogger,
  });
  cleanups.push(() => s.close());
  return s;
}

describe('parseMetricsPort', () => {
  it('takes a port, and - or nothing for off', () => {
    expect(parseMetricsPort('9100')).toBe(9100);
    expect(parseMetricsPort('0')).toBe(0);
    expect(parseMetricsPort('-')).toBeUndefined();
    expect(parseMetricsPort('')).toBeUndefined();
    expect(() => parseMetricsPort('70000')).toThrow(/--metrics_port must be a port/);
    expect(() => parseMetricsPort('http')).toThrow(/--metrics_port must be a port/);
  });
});

describe('metrics endpoint', () => {
  it('names a taken port', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => blocker.close(r)));
    const port = (blocker.address() as net.AddressInfo).port;
    await expect(startMetricsEndpoint(port, '127.0.0.1', silentLogger)).rejects.toThrow(`metrics port ${port} is in use`);
  });

  it('answers 503 until a role says it serves', async () => {
    const m = await endpoint();
    expect(await get(m, '/healthz')).toEqual({ status: 503, text: 'starting\n' });
    expect((await get(m, '/metrics')).status).toBe(200);
  });

  it('counts RPC calls by method and outcome, reads rows, and reports health from loading and registration', async () => {
    const m = await endpoint();
    const s = server();
    const session: SessionState = { state: 'connected', renewals: 0, registered: false };
    const stats = new MixStats();
    const ds = { server: s, mixer: { stats }, session: () => session } as unknown as DistributedServer;
    instrumentServer(m, s, ds);
    const port = await s.listen();
    const c = new ServiceClient(desc, { host: '127.0.0.1', port, name: '' });
    cleanups.push(() => c.close());
    for (let i = 0; i < 3; i++) await c.call('set_row', `r${i}`, { stringValues: [], numValues: [['x', i]], binaryValues: [] });
    await c.call('similar_row_from_id', 'r0', 2);
    await expect(c.call('similar_row_from_id', 'r0', -1)).rejects.toThrow();
    stats.roundDone(performance.now(), 2, 1234);

    const text = (await get(m, '/metrics')).text;
    expect(text).toMatch(/^juba_rpc_requests_total\{method="set_row",outcome="ok",engine="nearest_neighbor"\} 3$/m);
    expect(text).toMatch(/^juba_rpc_request_duration_seconds_count\{engine="nearest_neighbor",method="set_row"\} 3$/m);
    expect(text).toMatch(/^juba_updates_total\{engine="nearest_neighbor"\} 3$/m);
    expect(text).toMatch(/^juba_model_rows\{engine="nearest_neighbor"\} 3$/m);
    expect(text).toMatch(/^juba_mix_rounds_total\{role="master",engine="nearest_neighbor"\} 1$/m);
    expect(text).toMatch(/^juba_mix_bytes_total\{engine="nearest_neighbor"\} 1234$/m);
    expect(text).toMatch(/^juba_mix_round_duration_seconds_count\{engine="nearest_neighbor"\} 1$/m);

    expect((await get(m, '/healthz')).status).toBe(503); // not registered yet
    session.registered = true;
    expect(await get(m, '/healthz')).toEqual({ status: 200, text: 'ok\n' });
    s.loadingModels++;
    expect(await get(m, '/healthz')).toEqual({ status: 503, text: 'loading a model\n' });
    s.loadingModels--;

    // A scrape while an update (or MIX, or a load) holds the write lock still answers.
    let release!: () => void;
    const held = s.lock.withWrite(() => new Promise<void>((r) => (release = r)));
    expect((await get(m, '/metrics')).status).toBe(200);
    release();
    await held;
  });
});
