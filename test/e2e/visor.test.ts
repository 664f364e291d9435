/**
 * `juba visor` + `juba ctl start/stop` with real ZooKeeper and real processes on loopback:
 * servers spread over two visors, a crashed server restarted on the same port, stop leaves
 * nothing running, and the refusals (no visor, unknown engine, port pool exhausted).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src/client/service-client.js';
import type { ClusterSession } from '../../src/cluster/session.js';
import { Zk } from '../../src/cluster/zk.js';
import { listVisorChildren } from '../../src/control/visor-control.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { silentLogger } from '../../src/logger.js';
import { SERVER_ARGV_DEFAULTS, Visor } from '../../src/server/visor.js';
import { alive, freePort, killStarted, runJuba, runJubaToEnd, type JubaProcess } from '../harness/processes.js';
import { eventually, writeHandsOnConfig } from '../harness/cluster.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const desc = loadEngineDescriptor('nearest_neighbor');
const TYPE = 'nearest_neighbor';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-visor-'));
let zk: ZooKeeperInstance;
let client: Zk;
const childPids = new Set<number>();

interface VisorProc { p: JubaProcess; port: number; ipPort: string }

async function startVisor(): Promise<VisorProc> {
  const port = await freePort();
  const p = runJuba(['visor', '-z', zk.hosts, '-p', String(port), '-b', '127.0.0.1', '-l', tmp, '-Z', '2']);
  await p.waitForLog(/juba visor started/);
  return { p, port, ipPort: `127.0.0.1_${port}` };
}

const ctl = (args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> =>
  runJubaToEnd(['ctl', ...args, '-z', zk.hosts, '-t', TYPE]);
const startArgs = (name: string, n: number): string[] => ['start', '-n', name, '-N', String(n), '-Z', '2', '-D', tmp, '-S', '0'];

const nodesOf = (name: string): Promise<string[]> => client.getChildren(`/jubatus/actors/${TYPE}/${name}/nodes`);

async function pidOf(ipPort: string, name: string): Promise<number> {
  const [host, port] = ipPort.split('_');
  const c = new ServiceClient(desc, { host: host!, port: Number(port), name, timeoutMs: 5000 });
  try {
    const st = await c.getStatus();
    return Number([...st.values()][0]!.get('pid'));
  } finally {
    c.close();
  }
}

async function childrenOf(v: VisorProc): Promise<Array<{ key: string; port: number; pid: number | null }>> {
  const r = await listVisorChildren(v.ipPort, 5000);
  if (r.error) throw new Error(r.error);
  for (const c of r.children!) if (c.pid) childPids.add(c.pid);
  return r.children!;
}

beforeAll(async () => {
  zk = await startZooKeeper();
  client = await Zk.connect(zk.hosts, { sessionTimeoutMs: 10_000 });
  await writeHandsOnConfig(zk.hosts, tmp, ['nn', 'nn2', 'pool']);
}, 120_000);

afterAll(async () => {
  killStarted();
  for (const pid of childPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await client?.close();
  await zk?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('ctl start without visors', () => {
  it('exits 3 and says no visor is registered', async () => {
    const r = await ctl(startArgs('nn', 1));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no visor to start jubanearest_neighbor/nn');
    expect(await client.exists(`/jubatus/actors/${TYPE}/nn/nodes`)).toBe(true);
  });
});

describe('with two visors', () => {
  let a: VisorProc;
  let b: VisorProc;
  beforeAll(async () => {
    [a, b] = await Promise.all([startVisor(), startVisor()]);
    [a, b] = [a, b].sort((x, y) => (x.ipPort < y.ipPort ? -1 : 1)); // jubactl's order
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.p.stop(), b?.p.stop()]);
  });

  it('registers both visors', async () => {
    expect(await client.getChildren('/jubatus/supervisors')).toEqual([a.ipPort, b.ipPort]);
  });

  it('ctl start -N 3 brings 3 servers into the cluster, 2 on the first visor', async () => {
    const r = await ctl(startArgs('nn', 3));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`sending start / jubanearest_neighbor/nn to ${a.ipPort}...ok.`);
    expect(r.stdout).toContain(`sending start / jubanearest_neighbor/nn to ${b.ipPort}...ok.`);
    await eventually(async () => (await nodesOf('nn')).length === 3, '3 servers in nodes/', 30_000);
    const ports = (await nodesOf('nn')).map((n) => Number(n.split('_')[1]));
    expect(ports.filter((p) => p > a.port && p <= a.port + 16)).toHaveLength(2);
    expect(ports.filter((p) => p > b.port && p <= b.port + 16)).toHaveLength(1);
    expect((await childrenOf(a)).map((c) => c.key)).toEqual(['jubanearest_neighbor/nn', 'jubanearest_neighbor/nn']);
    const logs = fs.readdirSync(tmp).filter((f) => f.startsWith('jubanearest_neighbor.nn.127.0.0.1_'));
    expect(logs).toHaveLength(3);
    const st = await ctl(['status', '-n', 'nn', '--json']);
    expect(st.code, st.stderr).toBe(0);
    const members = (JSON.parse(st.stdout) as Array<{ members: Array<{ ipPort: string; visor?: string }> }>)[0]!.members;
    expect(members.map((m) => m.visor).sort()).toEqual([a.ipPort, a.ipPort, b.ipPort]);
  }, 60_000);

  it('restarts a server killed with -9 on the same port', async () => {
    const [victim] = await nodesOf('nn');
    const pid = await pidOf(victim!, 'nn');
    childPids.add(pid);
    process.kill(pid, 'SIGKILL');
    await eventually(async () => {
      const p = await pidOf(victim!, 'nn');
      childPids.add(p);
      return p !== pid && (await nodesOf('nn')).includes(victim!);
    }, `${victim} to come back`, 40_000);
    expect(alive(pid)).toBe(false);
    await eventually(async () => a.p.stderr().includes('server exited unexpectedly') || b.p.stderr().includes('server exited unexpectedly'), 'the crash in the visor log', 5000);
  }, 60_000);

  it('ctl stop removes them all and leaves nothing running', async () => {
    await childrenOf(a);
    await childrenOf(b);
    const r = await ctl(['stop', '-n', 'nn']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`sending stop / jubanearest_neighbor/nn to ${a.ipPort}...ok.`);
    await eventually(async () => (await nodesOf('nn')).length === 0, 'nodes/ to empty', 20_000);
    expect(await childrenOf(a)).toEqual([]);
    expect(await childrenOf(b)).toEqual([]);
    expect([...childPids].filter(alive)).toEqual([]);
  }, 60_000);

  it('refuses an unknown engine on every visor and starts nothing', async () => {
    const r = await ctl([...startArgs('nn', 2), '-s', 'jubaclassifier_x']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`sending start / jubaclassifier_x/nn to ${a.ipPort}...failed.`);
    expect(r.stdout).toContain(`sending start / jubaclassifier_x/nn to ${b.ipPort}...failed.`);
    expect(r.stderr).toContain('start failed on 2 of 2 visors');
    expect(await childrenOf(a)).toEqual([]);
    expect(await childrenOf(b)).toEqual([]);
    expect(a.p.stderr()).toContain('unknown engine');
  });

  it('SIGTERM stops a visor and every server it started, exit 0', async () => {
    const r = await ctl(startArgs('nn2', 2));
    expect(r.code, r.stderr).toBe(0);
    await eventually(async () => (await nodesOf('nn2')).length === 2, '2 servers of nn2', 30_000);
    const pids = (await childrenOf(b)).map((c) => c.pid!);
    expect(pids).toHaveLength(1);
    expect(await b.p.stop('SIGTERM')).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    await eventually(async () => (await nodesOf('nn2')).length === 1, 'nn2 down to 1 server', 20_000);
    expect(await client.getChildren('/jubatus/supervisors')).toEqual([a.ipPort]);
    const s = await ctl(['stop', '-n', 'nn2']);
    expect(s.code, s.stderr).toBe(0);
    expect(await childrenOf(a)).toEqual([]);
  }, 60_000);

  it('refuses -N 20 on one visor (16 ports) and starts none of them', async () => {
    const r = await ctl(startArgs('pool', 20));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`sending start / jubanearest_neighbor/pool to ${a.ipPort}...failed.`);
    expect(await childrenOf(a)).toEqual([]);
    expect(a.p.stderr()).toContain('not enough ports');
    expect(await nodesOf('pool')).toEqual([]);
  });
});

describe('Visor in-process', () => {
  const argv = { ...SERVER_ARGV_DEFAULTS, datadir: tmp };
  async function visorWith(script: string): Promise<Visor> {
    return Visor.start({
      zookeeper: zk.hosts, port: await freePort(), address: '127.0.0.1', bindAddress: '127.0.0.1', logdir: tmp,
      zookeeperTimeoutSec: 2, logger: silentLogger, command: [process.execPath, '-e', script],
      backoffInitialMs: 50, backoffMaxMs: 200, stopTimeoutMs: 2000,
    });
  }

  it('a taken port is refused with the port named', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(Visor.start({
        zookeeper: zk.hosts, port, address: '127.0.0.1', bindAddress: '127.0.0.1', logdir: tmp,
        zookeeperTimeoutSec: 2, logger: silentLogger, command: [process.execPath, '-e', ''],
      })).rejects.toThrow(`rpc port ${port} is in use (127.0.0.1:${port})`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('restarts a crashing server with growing, capped delays and stops retrying on stop', async () => {
    const v = await visorWith('process.exit(3)');
    try {
      expect(v.start('jubanearest_neighbor/crash', 1, argv)).toBe(0);
      await eventually(async () => v.list()[0]!.crashes >= 4, '4 crashes', 30_000);
      expect(await v.stop('jubanearest_neighbor/crash', 0)).toBe(0);
      expect(v.list()).toEqual([]);
    } finally {
      await v.close();
    }
  });

  it('stops every server when the ZooKeeper session is lost, and says so', async () => {
    const v = await visorWith('setInterval(() => {}, 1000)');
    try {
      expect(v.start('jubanearest_neighbor/lost', 2, argv)).toBe(0);
      expect(v.start('jubanearest_neighbor/lost', 1, argv)).toBe(-1); // 2 already run
      expect(v.start('nearest_neighbor', 1, argv)).toBe(-1); // no <server>/<name>
      const pids = v.list().map((c) => c.pid!);
      pids.forEach((p) => childPids.add(p));
      expect(pids.every(alive)).toBe(true);
      const lost = new Promise((r) => v.once('lost', r));
      // The session's own expiry needs ZooKeeper to stay away; the client's event is raised here.
      (v as unknown as { zk: ClusterSession }).zk.current.emit('expired');
      await lost;
      expect(v.list()).toEqual([]);
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      await v.close();
    }
  });
});
