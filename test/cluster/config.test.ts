/**
 * Cluster configs in a real ZooKeeper with jubaconfig's semantics (framework spec §3, §9.1):
 * exact bytes at /jubatus/config/<type>/<name>, the config_lock protocol shared with servers,
 * refusals while servers run or a user holds the lock, and the `juba config` commands.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteConfig, listConfigs, readConfig, readConfigWithReadLock, writeConfig,
} from '../../src/cluster/config-store.js';
import { zookeeperHosts } from '../../src/cli/cluster-flags.js';
import { tryWriteLock } from '../../src/cluster/lock.js';
import * as P from '../../src/cluster/paths.js';
import { Zk } from '../../src/cluster/zk.js';
import { JubaError } from '../../src/errors.js';
import { freePort, killStarted, runJubaToEnd } from '../harness/processes.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const NN = 'nearest_neighbor';
const FAST = { tries: 3, delayMs: 10 };
const CONFIG = `{"method": "lsh", "parameter": {"hash_num": 64},
  "converter": {"num_rules": [{"key": "*", "type": "num"}], "string_rules": []}}`;
// Odd spacing, a non-ASCII string and no trailing newline: all must survive byte for byte.
const ODD = `{ "method":"lsh" ,\n\t"parameter": {"hash_num": 8},\r\n "converter": {"num_rules": [], "string_rules": [], "string_filter_types": {"é": {"method": "regexp", "pattern": "ü", "replace": ""}}, "string_filter_rules": []}}`;

let zkServer: ZooKeeperInstance;
let zk: Zk;
let other: Zk;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-config-'));

beforeAll(async () => {
  zkServer = await startZooKeeper();
  zk = await Zk.connect(zkServer.hosts, { sessionTimeoutMs: 5000 });
  other = await Zk.connect(zkServer.hosts, { sessionTimeoutMs: 5000 });
});

afterAll(async () => {
  killStarted();
  await zk?.close();
  await other?.close();
  await zkServer?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<JubaError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(JubaError);
  return e as JubaError;
}

/** A server's membership entry, made by hand on another session (a fake `juba serve`). */
async function fakeServer(type: string, name: string): Promise<string> {
  await other.mkdirp(P.nodes(type, name));
  return other.create(`${P.nodes(type, name)}/127.0.0.1_9199`, '', 'ephemeral');
}

describe('config store', () => {
  it('writes, reads, lists and deletes, keeping the exact bytes', async () => {
    const p = await writeConfig(zk, NN, 'rt', ODD, FAST);
    expect(p).toBe('/jubatus/config/nearest_neighbor/rt');
    expect((await zk.getData(p))!.equals(Buffer.from(ODD, 'utf8'))).toBe(true);
    expect(await zk.exists(P.configLock(NN, 'rt'))).toBe(true); // prepare_jubatus ran
    expect(await zk.getChildren(P.configLock(NN, 'rt'))).toEqual([]); // lock released

    expect(await readConfig(zk, NN, 'rt')).toEqual({ type: NN, name: 'rt', path: p, config: ODD });
    await writeConfig(zk, NN, 'rt', CONFIG, FAST); // overwrite
    expect((await zk.getData(p))!.toString()).toBe(CONFIG);
    await writeConfig(zk, 'classifier', 'other', '{}', FAST);

    const all = await listConfigs(zk);
    expect(all.map((c) => `${c.type}/${c.name}`)).toEqual(['classifier/other', 'nearest_neighbor/rt']);
    expect(all[1]!.config).toBe(CONFIG);

    expect(await deleteConfig(zk, NN, 'rt', FAST)).toBe(p);
    expect(await zk.exists(p)).toBe(false);
    await deleteConfig(zk, 'classifier', 'other', FAST);
    expect(await listConfigs(zk)).toEqual([]);
  });

  it('says which config is missing, with not_found, and creates nothing on delete', async () => {
    const r = await rejection(readConfig(zk, NN, 'nope'));
    expect(r.message).toBe('config does not exist: /jubatus/config/nearest_neighbor/nope');
    expect(r.code).toBe('not_found');
    expect(r.exitCode).toBe(3);
    const d = await rejection(deleteConfig(zk, NN, 'nope', FAST));
    expect(d.message).toBe('config does not exist: /jubatus/config/nearest_neighbor/nope');
    expect(d.code).toBe('not_found');
    expect(await zk.exists(P.actor(NN, 'nope'))).toBe(false);
  });

  it('refuses to write or delete while a server is registered', async () => {
    await writeConfig(zk, NN, 'busy', CONFIG, FAST);
    const node = await fakeServer(NN, 'busy');
    const w = await rejection(writeConfig(zk, NN, 'busy', '{"changed": true}', FAST));
    expect(w.message).toBe('any server is running: nearest_neighbor, busy');
    expect(w.hint).toContain('stop the servers');
    expect(w.exitCode).toBe(1);
    const d = await rejection(deleteConfig(zk, NN, 'busy', FAST));
    expect(d.message).toBe('any server is running: nearest_neighbor, busy');
    expect((await zk.getData(P.config(NN, 'busy')))!.toString()).toBe(CONFIG);
    expect(await zk.getChildren(P.configLock(NN, 'busy'))).toEqual([]); // lock released on refusal

    await other.remove(node);
    await deleteConfig(zk, NN, 'busy', FAST);
  });

  it('refuses to write or delete while another user holds the write lock', async () => {
    await writeConfig(zk, NN, 'locked', CONFIG, FAST);
    const held = await tryWriteLock(other, P.configLock(NN, 'locked'));
    expect(held).not.toBeNull();
    const w = await rejection(writeConfig(zk, NN, 'locked', '{}', FAST));
    expect(w.message).toBe('any user is using config?');
    const d = await rejection(deleteConfig(zk, NN, 'locked', FAST));
    expect(d.message).toBe('any user is using config?');
    expect((await zk.getData(P.config(NN, 'locked')))!.toString()).toBe(CONFIG);
    expect(await zk.getChildren(P.configLock(NN, 'locked'))).toEqual([held!.path.split('/').pop()]);
    await held!.release();
    await writeConfig(zk, NN, 'locked', '{}', FAST);
    await deleteConfig(zk, NN, 'locked', FAST);
  });

  it("gives a server the config under a read lock that keeps writers out until it's released", async () => {
    await writeConfig(zk, NN, 'srv', CONFIG, FAST);
    const got = await readConfigWithReadLock(other, NN, 'srv', FAST);
    expect(got.text).toBe(CONFIG);
    expect(got.path).toBe(P.config(NN, 'srv'));
    expect(got.lock.path).toMatch(/\/config_lock\/rlock_\d{10}$/);
    // A second server reads alongside the first.
    const second = await readConfigWithReadLock(zk, NN, 'srv', FAST);
    await second.lock.release();
    expect((await rejection(writeConfig(zk, NN, 'srv', '{}', FAST))).message).toBe('any user is using config?');
    await got.lock.release();
    await writeConfig(zk, NN, 'srv', '{}', FAST);

    const writer = await tryWriteLock(zk, P.configLock(NN, 'srv'));
    const blocked = await rejection(readConfigWithReadLock(other, NN, 'srv', FAST));
    expect(blocked.message).toBe('any user is writing config?');
    await writer!.release();
    await deleteConfig(zk, NN, 'srv', FAST);

    const missing = await rejection(readConfigWithReadLock(other, NN, 'srv', FAST));
    expect(missing.message).toBe('config does not exist: /jubatus/config/nearest_neighbor/srv');
    expect(await zk.getChildren(P.configLock(NN, 'srv'))).toEqual([]); // no lock left behind
  });

  it('takes ZooKeeper hosts from -z, then JUBA_ZK, then ZK', () => {
    expect(zookeeperHosts('a:1', { JUBA_ZK: 'b:2', ZK: 'c:3' })).toBe('a:1');
    expect(zookeeperHosts(undefined, { JUBA_ZK: 'b:2', ZK: 'c:3' })).toBe('b:2');
    expect(zookeeperHosts('', { JUBA_ZK: '', ZK: 'c:3' })).toBe('c:3');
    expect(() => zookeeperHosts(undefined, {})).toThrow('pass -z host:port[,host:port] or set JUBA_ZK');
  });
});

describe('juba config (CLI)', () => {
  const file = (name: string, text: string): string => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, text);
    return f;
  };
  const z = (): string[] => ['-z', zkServer.hosts, '--zookeeper_timeout', '5'];

  it('writes a config, reads it back exactly, and lists it', async () => {
    const f = file('ok.json', ODD);
    const w = await runJubaToEnd(['config', 'write', '-t', 'jubanearest_neighbor', '-n', 'cli', '-f', f, ...z()]);
    expect(w.stderr).not.toContain('juba:');
    expect(w.code).toBe(0);
    expect(w.stdout).toBe(`wrote ${f} (${Buffer.byteLength(ODD)} bytes) to /jubatus/config/nearest_neighbor/cli\n`);
    expect((await zk.getData(P.config(NN, 'cli')))!.equals(fs.readFileSync(f))).toBe(true);

    const r = await runJubaToEnd(['config', 'read', '-t', NN, '-n', 'cli', ...z()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(ODD);

    const j = await runJubaToEnd(['config', 'read', '-t', NN, '-n', 'cli', '--json', ...z()]);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({
      type: NN, name: 'cli', path: '/jubatus/config/nearest_neighbor/cli', config: JSON.parse(ODD), text: ODD,
    });

    const l = await runJubaToEnd(['config', 'list', '--json'], { JUBA_ZK: zkServer.hosts });
    expect(l.code).toBe(0);
    expect(JSON.parse(l.stdout)).toEqual([
      { type: NN, name: 'cli', path: '/jubatus/config/nearest_neighbor/cli', config: JSON.parse(ODD), text: ODD },
    ]);
    const human = await runJubaToEnd(['config', 'list'], { JUBA_ZK: '', ZK: zkServer.hosts });
    expect(human.code).toBe(0);
    expect(human.stdout).toBe(`type: nearest_neighbor, name: cli\n${ODD}\n\n`);

    const d = await runJubaToEnd(['config', 'delete', '-t', NN, '-n', 'cli', ...z()]);
    expect(d.code).toBe(0);
    expect(d.stdout).toBe('deleted /jubatus/config/nearest_neighbor/cli\n');
    const gone = await runJubaToEnd(['config', 'read', '-t', NN, '-n', 'cli', ...z()]);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain('config does not exist: /jubatus/config/nearest_neighbor/cli');
  });

  it('rejects invalid JSON with file:line:col and stores nothing', async () => {
    const f = file('bad.json', '{\n  "method": "lsh",\n  "parameter": {"hash_num": 64,}\n}');
    const w = await runJubaToEnd(['config', 'write', '-t', NN, '-n', 'badjson', '-f', f, ...z()]);
    expect(w.code).toBe(2);
    expect(w.stderr).toContain(`syntax error in configuration: ${f}:3:32`);
    expect(await zk.exists(P.config(NN, 'badjson'))).toBe(false);
  });

  it('rejects an unknown config key, naming its path, and stores nothing', async () => {
    const f = file('uk.json', CONFIG.replace('"hash_num": 64', '"hash_num": 64, "table_num": 4'));
    const w = await runJubaToEnd(['config', 'write', '-t', NN, '-n', 'unknownkey', '-f', f, ...z()]);
    expect(w.code).toBe(2);
    expect(w.stderr).toContain('parameter.table_num');
    expect(await zk.exists(P.config(NN, 'unknownkey'))).toBe(false);
  });

  it('rejects an empty or unreadable file and an unknown engine', async () => {
    const empty = await runJubaToEnd(['config', 'write', '-t', NN, '-n', 'e', '-f', file('empty.json', ''), ...z()]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('config is empty');
    const missing = path.join(tmp, 'nope.json');
    const none = await runJubaToEnd(['config', 'write', '-t', NN, '-n', 'e', '-f', missing, ...z()]);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain(`can't read ${missing}`);
    const engine = await runJubaToEnd(['config', 'write', '-t', 'nosuch', '-n', 'e', '-f', file('x.json', CONFIG), ...z()]);
    expect(engine.code).toBe(2);
    expect(engine.stderr).toContain('unknown engine: nosuch');
    expect(await zk.exists(P.config(NN, 'e'))).toBe(false);
  });

  it('refuses to write while a server of the cluster is registered', async () => {
    const node = await fakeServer(NN, 'running');
    const w = await runJubaToEnd(['config', 'write', '-t', NN, '-n', 'running', '-f', file('r.json', CONFIG), ...z()]);
    expect(w.code).toBe(1);
    expect(w.stderr).toContain('juba: any server is running: nearest_neighbor, running');
    expect(w.stderr).toContain('hint: stop the servers');
    expect(await zk.exists(P.config(NN, 'running'))).toBe(false);
    await other.remove(node);
  });

  it('needs a ZooKeeper: no -z and no env is a usage error', async () => {
    const r = await runJubaToEnd(['config', 'list'], { JUBA_ZK: '', ZK: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pass -z host:port[,host:port] or set JUBA_ZK');
  });

  it('exits 4 when ZooKeeper is unreachable', async () => {
    const closed = await freePort();
    const r = await runJubaToEnd(['config', 'read', '-t', NN, '-n', 'x', '-z', `127.0.0.1:${closed}`, '--zookeeper_timeout', '1']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`cannot connect zk in 1 sec: 127.0.0.1:${closed}`);
  });
});
