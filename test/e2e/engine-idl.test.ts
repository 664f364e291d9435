/**
 * The shipped engine IDLs drive server and proxy alike, with real ZooKeeper and processes: two
 * servers serve idl/classifier.idl (a tiny label-counting implementation), and
 * `juba serve classifier --proxy` (no implementation, the shipped IDL only) routes to them —
 * random train, broadcast set_label (all_and), delete_label (all_or) and clear. `juba ctl
 * status` and `juba top --once` work for the cluster. Every other engine's proxy starts too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Datum } from '../../src/engine/datum.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { endCluster, eventually, startMember, type Member } from '../harness/cluster.js';
import { runJubaToEnd, ROOT } from '../harness/processes.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const IDL = 'idl/classifier.idl';
const IMPL = 'test/fixtures/label-counter.js';
const NAME = 'clf';
const desc = loadEngineDescriptor('classifier');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-engine-idl-'));
const d = (x: number): Datum => ({ stringValues: [], numValues: [['x', x]], binaryValues: [] });
let zk: ZooKeeperInstance;

const start = (args: string[]): Promise<Member> => startMember(desc, NAME, [...args, '-Z', '2', '-I', '5']);

let s1: Member;
let s2: Member;
let proxy: Member;

beforeAll(async () => {
  zk = await startZooKeeper();
  const cfg = path.join(tmp, 'config.json');
  fs.writeFileSync(cfg, '{"method": "label_counter"}');
  const w = await runJubaToEnd(['config', 'write', '--idl', IDL, '-n', NAME, '-f', cfg, '-z', zk.hosts]);
  expect(w.code, w.stderr).toBe(0);
  const server = ['--idl', IDL, '--impl', path.join(ROOT, IMPL), '-z', zk.hosts, '-n', NAME, '-d', tmp];
  [s1, s2] = await Promise.all([start(server), start(server)]);
  proxy = await start(['classifier', '--proxy', '-z', zk.hosts]);
  await eventually(async () => (await proxy.client.getStatus()).size === 2, 'both servers behind the proxy');
}, 120_000);

afterAll(() => endCluster([s1, s2, proxy], zk, tmp));

describe('the shipped classifier IDL through `juba serve classifier --proxy`', () => {
  it('routes train to one server (random) and broadcasts set_label, delete_label and clear', async () => {
    expect(await proxy.client.call('train', [['spam', d(1)], ['ham', d(2)], ['spam', d(3)]])).toBe(3);
    const labels = [await s1.client.call('get_labels'), await s2.client.call('get_labels')] as Array<Map<string, number>>;
    expect(labels.filter((m) => m.get('spam') === 2)).toHaveLength(1); // random: exactly one server trained

    expect(await proxy.client.call('set_label', 'eggs')).toBe(true);
    for (const s of [s1, s2]) expect(((await s.client.call('get_labels')) as Map<string, number>).has('eggs')).toBe(true);
    expect(await proxy.client.call('set_label', 'eggs')).toBe(false); // all_and: both say false now

    // all_or: true although only the trained server knew 'spam'.
    expect(await proxy.client.call('delete_label', 'spam')).toBe(true);
    expect(await proxy.client.call('delete_label', 'spam')).toBe(false);

    expect(await proxy.client.call('clear')).toBe(true);
    for (const s of [s1, s2]) expect(((await s.client.call('get_labels')) as Map<string, number>).size).toBe(0);
  });

  it('juba ctl status and juba top --once see the members of a service without an engine', async () => {
    const st = await runJubaToEnd(['ctl', 'status', '-t', 'classifier', '-n', NAME, '-z', zk.hosts, '--json']);
    expect(st.code, st.stderr).toBe(0);
    const [cluster] = JSON.parse(st.stdout) as Array<{ name: string; members: Array<{ ipPort: string }> }>;
    expect(cluster!.name).toBe(NAME);
    const members = cluster!.members.map((m) => m.ipPort).sort();
    expect(members).toEqual([`127.0.0.1_${s1.port}`, `127.0.0.1_${s2.port}`].sort());
    const top = await runJubaToEnd(['top', '-t', 'classifier', '-n', NAME, '-z', zk.hosts, '--once', '--json', '--interval', '250']);
    expect(top.code, top.stderr).toBe(0);
    expect(top.stdout).toContain(`127.0.0.1_${s1.port}`);
  }, 60_000);

  it('every engine in idl/ starts as a proxy', async () => {
    const engines = fs.readdirSync(path.join(ROOT, 'idl')).filter((f) => f.endsWith('.idl')).map((f) => f.slice(0, -4));
    expect(engines.length).toBeGreaterThanOrEqual(11);
    for (const e of engines) {
      const p = await start([e, '--proxy', '-z', zk.hosts]);
      expect((await p.client.getProxyStatus()).size).toBe(1);
      p.client.close();
      expect(await p.p.stop()).toBe(0);
    }
  }, 240_000);
});
