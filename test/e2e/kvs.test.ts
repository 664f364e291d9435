/**
 * The kvs example (examples/kvs) as an operator runs it: a service of one's own, from its IDL
 * and a few lines of JavaScript, with real ZooKeeper and real `juba` processes on loopback —
 * config write, 2 servers, a proxy; cht(2) puts land on both replicas; broadcast clear; the
 * ZooKeeper layout under the service name. Then standalone save/load and -m, and the errors a broken implementation gets.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as P from '../../src/cluster/paths.js';
import { Zk } from '../../src/cluster/zk.js';
import { buildDescriptor } from '../../src/idl/descriptor.js';
import { loadIdl } from '../../src/idl/parser.js';
import { endCluster, eventually, startMember, type Member } from '../harness/cluster.js';
import { runJubaToEnd } from '../harness/processes.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const IDL = 'examples/kvs/kvs.idl';
const IMPL = 'examples/kvs/kvs.js';
const CONFIG = 'examples/kvs/config.json';
const NAME = 'kvs_test';
const desc = buildDescriptor(loadIdl(IDL));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-kvs-'));
let zk: ZooKeeperInstance;

const start = (args: string[], started: RegExp): Promise<Member> => startMember(desc, NAME, args, started);

const startServer = (): Promise<Member> =>
  start(['--idl', IDL, '--impl', IMPL, '-z', zk.hosts, '-n', NAME, '-d', tmp, '-Z', '2', '-I', '5'], /juba server started/);

let s1: Member;
let s2: Member;
let proxy: Member;

beforeAll(async () => {
  zk = await startZooKeeper();
  const w = await runJubaToEnd(['config', 'write', '--idl', IDL, '-n', NAME, '-f', CONFIG, '-z', zk.hosts]);
  expect(w.code, w.stderr).toBe(0);
  expect(w.stdout).toContain(`/jubatus/config/kvs/${NAME}`);
  [s1, s2] = await Promise.all([startServer(), startServer()]);
  proxy = await start(['--idl', IDL, '--proxy', '-z', zk.hosts, '-Z', '2', '-I', '5'], /juba proxy started/);
}, 120_000);

afterAll(() => endCluster([s1, s2, proxy], zk, tmp));

describe('kvs: 2 servers behind a proxy', () => {
  it('puts through the proxy onto both replicas (cht(2)), and gets from either', async () => {
    await eventually(async () => (await proxy.client.getStatus()).size === 2, 'both servers active');
    for (let i = 0; i < 5; i++) expect(await proxy.client.call('put', `key${i}`, `value ${i} ✓`)).toBe(true);
    expect(await proxy.client.call('get', 'key3')).toBe('value 3 ✓');
    for (const s of [s1, s2]) {
      for (let i = 0; i < 5; i++) expect(await s.client.call('get', `key${i}`), `${s.ipPort} key${i}`).toBe(`value ${i} ✓`);
    }
    expect(await proxy.client.call('get', 'absent')).toBe(null);
    const status = await proxy.client.getStatus();
    expect([...status.keys()].sort()).toEqual([s1.ipPort, s2.ipPort].sort());
    for (const st of status.values()) {
      expect(st.get('type')).toBe('kvs');
      expect(st.get('keys')).toBe('5');
      expect(st.get('use_cht')).toBe('1');
      expect(st.get('configpath')).toBe(`/jubatus/config/kvs/${NAME}`);
    }
    expect(await proxy.client.getConfig()).toBe(fs.readFileSync(CONFIG, 'utf8'));
  });

  it('deletes on both replicas, and clears every server by broadcast (all_and)', async () => {
    expect(await proxy.client.call('del', 'key0')).toBe(true);
    expect(await s1.client.call('get', 'key0')).toBe(null);
    expect(await s2.client.call('get', 'key0')).toBe(null);
    expect(await proxy.client.call('del', 'key0')).toBe(false);
    expect(await proxy.client.call('clear')).toBe(true);
    for (const s of [s1, s2]) {
      expect(await s.client.call('get', 'key1')).toBe(null);
      expect((await s.client.getStatus()).get(s.ipPort)!.get('keys')).toBe('0');
    }
  });

  it('registers under the service name as the type in ZooKeeper', async () => {
    const z = await Zk.connect(zk.hosts, { sessionTimeoutMs: 5000 });
    try {
      expect(await z.getChildren(P.proxiesOf('kvs'))).toEqual([proxy.ipPort]);
      expect((await z.getChildren(P.nodes('kvs', NAME))).sort()).toEqual([s1.ipPort, s2.ipPort].sort());
      expect((await z.getChildren(P.actives('kvs', NAME))).sort()).toEqual([s1.ipPort, s2.ipPort].sort());
      expect(await z.getChildren(P.chtDir('kvs', NAME))).toHaveLength(16); // 8 ring entries per server
    } finally {
      await z.close();
    }
  });

  it('the generated client in examples/kvs/client is current and works through the proxy', async () => {
    const out = path.join(tmp, 'gen');
    const g = await runJubaToEnd(['gen', IDL, '--lang', 'ts', '-o', out]);
    expect(g.code, g.stderr).toBe(0);
    for (const f of fs.readdirSync('examples/kvs/client')) {
      expect(fs.readFileSync(path.join(out, f), 'utf8'), `examples/kvs/client/${f} is stale: run juba gen`).toBe(
        fs.readFileSync(path.join('examples/kvs/client', f), 'utf8'),
      );
    }
    const demo = spawnSync(process.execPath, ['--import', 'tsx', 'examples/kvs/client-demo.ts', `127.0.0.1:${proxy.port}`, NAME], {
      encoding: 'utf8', timeout: 60_000,
    });
    expect(demo.status, demo.stderr).toBe(0);
    expect(demo.stdout.trim().split('\n')).toEqual([
      'put city Kyoto -> true', 'get city -> Kyoto', 'del city -> true', 'get city -> null',
    ]);
  }, 90_000);

  it('refuses -t kvs without --idl in config write, pointing at --idl', async () => {
    const w = await runJubaToEnd(['config', 'write', '-t', 'kvs', '-n', 'other', '-f', CONFIG, '-z', zk.hosts]);
    expect(w.code).toBe(2);
    expect(w.stderr).toContain('unknown engine: kvs');
    expect(w.stderr).toContain('--idl');
  });

  it('tells a server without a stored config how to store one', async () => {
    const r = await runJubaToEnd(['serve', '--idl', IDL, '--impl', IMPL, '-z', zk.hosts, '-n', 'no_config', '-p', '0', '-b', '127.0.0.1', '-Z', '2']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('config does not exist: /jubatus/config/kvs/no_config');
    expect(r.stderr).toContain(`juba config write --idl ${IDL} -n no_config`);
  });
});

describe('kvs standalone', () => {
  it('saves and loads its model, and starts from it with -m', async () => {
    const s = await start(['--idl', IDL, '--impl', IMPL, '-f', CONFIG, '-d', tmp], /juba server started/);
    try {
      expect(await s.client.call('put', 'k', 'v')).toBe(true);
      const saved = await s.client.save('snap');
      const file = saved.get(s.ipPort)!;
      expect(path.basename(file)).toBe(`${s.ipPort}_kvs_snap.jubatus`);
      expect(await s.client.call('clear')).toBe(true);
      expect(await s.client.call('get', 'k')).toBe(null);
      expect(await s.client.load('snap')).toBe(true);
      expect(await s.client.call('get', 'k')).toBe('v');

      const m = await start(['--idl', IDL, '--impl', IMPL, '-m', file, '-d', tmp], /juba server started/);
      expect(await m.client.call('get', 'k')).toBe('v');
      m.client.close();
    } finally {
      s.client.close();
    }
  });

  it('runs without -f (config {})', async () => {
    const s = await start(['--idl', IDL, '--impl', IMPL, '-d', tmp], /juba server started/);
    expect(await s.client.getConfig()).toBe('{}');
    s.client.close();
  });

  it('refuses an implementation that lacks a method, naming it and the IDL', async () => {
    const bad = path.join(tmp, 'no-del.mjs');
    fs.writeFileSync(bad, 'export default { put: () => true, get: () => null, clear: () => true };\n');
    const r = await runJubaToEnd(['serve', '--idl', IDL, '--impl', bad, '-p', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`juba: ${bad} does not implement method del (${IDL}:`);
    expect(r.stderr).toContain('hint: add del(key)');
  });

  it('answers a wrong result with an RPC error naming the method and type, and keeps serving', async () => {
    const wrong = path.join(tmp, 'wrong.mjs');
    fs.writeFileSync(wrong, 'export default { put: () => true, get: async () => 42, del: () => "yes", clear: () => true };\n');
    const s = await start(['--idl', IDL, '--impl', wrong, '-d', tmp], /juba server started/);
    try {
      await expect(s.client.call('get', 'k')).rejects.toThrow('kvs.get returned a value that does not match its IDL return type string?: result: expected string, got number 42');
      await expect(s.client.call('del', 'k')).rejects.toThrow(/kvs\.del .* bool/);
      expect(await s.client.call('put', 'k', 'v')).toBe(true);
      expect(s.p.stderr()).toContain('kvs.get returned a value that does not match');
    } finally {
      s.client.close();
    }
  });

  it('needs --impl unless it is a proxy', async () => {
    const r = await runJubaToEnd(['serve', '--idl', IDL, '-p', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--idl needs --impl');
  });
});
