/**
 * Proxy overhead: the same call made directly to a server and through a proxy, sequentially,
 * over loopback, with a real ZooKeeper and real `juba` processes. Prints one JSON line.
 *
 *   npm run build && npx tsx bench/proxy.ts [calls=5000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServiceClient } from '../src/client/service-client.js';
import { loadEngineDescriptor } from '../src/idl/descriptor.js';
import { freePort, killStarted, runJuba, runJubaToEnd } from '../test/harness/processes.js';
import { startZooKeeper } from '../test/harness/zookeeper.js';

const CALLS = Number(process.argv[2] ?? 5000);
const desc = loadEngineDescriptor('nearest_neighbor');
const pct = (s: number[], p: number): number => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;

async function measure(c: ServiceClient, method: string, args: unknown[]): Promise<{ p50_ms: number; p99_ms: number }> {
  for (let i = 0; i < 300; i++) await c.call(method, ...args);
  const lat: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now();
    await c.call(method, ...args);
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  return { p50_ms: +pct(lat, 50).toFixed(3), p99_ms: +pct(lat, 99).toFixed(3) };
}

const zk = await startZooKeeper();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-bench-proxy-'));
try {
  const w = await runJubaToEnd(['config', 'write', '-z', zk.hosts, '-t', 'nearest_neighbor', '-n', 'bench', '-f', 'config/nearest_neighbor/euclid_lsh.json']);
  if (w.code !== 0) throw new Error(w.stderr);
  const sPort = await freePort();
  const server = runJuba(['serve', 'nearest_neighbor', '-z', zk.hosts, '-n', 'bench', '-p', String(sPort), '-b', '127.0.0.1', '-d', tmp, '-s', '0', '-i', '0', '-t', '0']);
  const pPort = await freePort();
  const proxy = runJuba(['serve', 'nearest_neighbor', '--proxy', '-z', zk.hosts, '-p', String(pPort), '-b', '127.0.0.1', '-t', '0']);
  await Promise.all([server.waitForLog(/juba server started/), proxy.waitForLog(/juba proxy started/)]);
  const direct = new ServiceClient(desc, { host: '127.0.0.1', port: sPort, name: 'bench' });
  const viaProxy = new ServiceClient(desc, { host: '127.0.0.1', port: pPort, name: 'bench' });
  for (let i = 0; i < 100; i++) await direct.call('set_row', `r${i}`, { stringValues: [], numValues: [['x', i % 3], ['y', i % 5], ['z', i % 7]], binaryValues: [] });
  // The proxy routes random calls to actives/: wait until the server has registered there.
  for (let i = 0; i < 100 && (await viaProxy.getStatus().then((m) => m.size, () => 0)) === 0; i++) await new Promise((r) => setTimeout(r, 100));
  const q = ['similar_row_from_id', ['r1', 10]] as const;
  const d = await measure(direct, q[0], [...q[1]]);
  const p = await measure(viaProxy, q[0], [...q[1]]);
  const sd = await measure(direct, 'set_row', ['r1', { stringValues: [], numValues: [['x', 1]], binaryValues: [] }]);
  const sp = await measure(viaProxy, 'set_row', ['r1', { stringValues: [], numValues: [['x', 1]], binaryValues: [] }]);
  console.log(JSON.stringify({
    bench: 'proxy-overhead',
    calls: CALLS,
    similar_row_from_id_10: { direct: d, via_proxy: p, added_p50_ms: +(p.p50_ms - d.p50_ms).toFixed(3) },
    set_row_cht1: { direct: sd, via_proxy: sp, added_p50_ms: +(sp.p50_ms - sd.p50_ms).toFixed(3) },
  }));
  direct.close();
  viaProxy.close();
  await Promise.all([server.stop(), proxy.stop()]);
} finally {
  killStarted();
  await zk.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
}
