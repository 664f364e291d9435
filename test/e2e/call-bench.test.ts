/**
 * `juba call` and `juba bench` as a user runs them: real `juba serve` processes on loopback
 * (standalone, and a ZooKeeper cluster for -z), the CLI run to completion, output and exit
 * codes checked.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, writeHandsOnConfig } from '../harness/cluster.js';
import { freePort, killStarted, runJuba, runJubaToEnd, ROOT, type JubaProcess } from '../harness/processes.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const CONFIG = path.join(ROOT, 'config/nearest_neighbor/default.json');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-call-'));
const env = { JUBA_ZK: '', ZK: '' };

async function standalone(): Promise<{ p: JubaProcess; addr: string }> {
  const port = await freePort();
  const p = runJuba(['serve', 'nearest_neighbor', '-f', CONFIG, '-p', String(port), '-b', '127.0.0.1', '-d', tmp]);
  await p.waitForLog(/juba server started/);
  return { p, addr: `127.0.0.1:${port}` };
}

let server: { p: JubaProcess; addr: string };
const call = (args: string[]) => runJubaToEnd(['call', '-t', 'nearest_neighbor', '-s', server.addr, ...args], env);
const bench = (args: string[], addr = server.addr) => runJubaToEnd(['bench', '-t', 'nearest_neighbor', '-s', addr, ...args], env);

beforeAll(async () => {
  server = await standalone();
});

afterAll(() => {
  killStarted();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// One CLI run costs a Node start-up; several per test need room on a loaded machine.
describe('juba call', { timeout: 60_000 }, () => {
  it('stores rows from friendly and explicit datums and answers true', async () => {
    const a = await call(['set_row', 'a', '{"x": 1}']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toBe('true\n');
    const b = await call(['set_row', 'b', '{"num_values": [["x", 1], ["y", 0.5]]}']);
    expect(b.stdout).toBe('true\n');
    expect((await call(['set_row', 'c', '{"y": 3}'])).stdout).toBe('true\n');
    const rows = await call(['get_all_rows', '--json']);
    expect((JSON.parse(rows.stdout) as string[]).sort()).toEqual(['a', 'b', 'c']);
  });

  it('prints similar rows as an id/score table, or as JSON objects', async () => {
    const text = await call(['similar_row_from_id', 'a', '5']);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id\s+score$/);
    expect(lines[1]).toMatch(/^a\s+1$/);
    expect(lines).toHaveLength(4);

    const json = await call(['similar_row_from_id', 'a', '5', '--json']);
    const hits = JSON.parse(json.stdout) as Array<{ id: string; score: number }>;
    expect(hits[0]).toEqual({ id: 'a', score: 1 });
    expect(hits.map((h) => h.id).sort()).toEqual(['a', 'b', 'c']);
  });

  it('shows get_status grouped by server, and as JSON keyed by ip_port', async () => {
    const [host, port] = server.addr.split(':');
    const text = await call(['get_status']);
    expect(text.stdout).toContain(`${host}_${port}:\n`);
    expect(text.stdout).toContain('  PROGNAME: jubanearest_neighbor\n');
    const json = JSON.parse((await call(['get_status', '--json'])).stdout) as Record<string, Record<string, string>>;
    expect(json[`${host}_${port}`]!.type).toBe('nearest_neighbor');
  });

  it('names the parameter, its IDL type and the signature when an argument is wrong', async () => {
    const neg = await call(['similar_row_from_id', 'a', '-1']);
    expect(neg.code).toBe(2);
    expect(neg.stderr).toContain(`juba: argument 2 'ret_num' of similar_row_from_id must be uint, 0..4294967295 (got "-1")`);
    expect(neg.stderr).toContain('hint: similar_row_from_id(string id, uint ret_num) -> list<id_with_score>');

    const datum = await call(['set_row', 'x', '{"x": [1]}']);
    expect(datum.code).toBe(2);
    expect(datum.stderr).toContain(`argument 2 'd' of set_row: x must be a number or a string (got [1])`);

    const count = await call(['similar_row_from_id', 'a']);
    expect(count.code).toBe(2);
    expect(count.stderr).toContain('similar_row_from_id takes 2 argument(s), got 1');
  });

  it('lists the methods when the method is unknown, and with --list', async () => {
    const bad = await call(['similar_rows', 'a', '1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('nearest_neighbor has no method similar_rows');
    expect(bad.stderr).toMatch(/hint: methods: .*similar_row_from_id/);

    const list = await runJubaToEnd(['call', '-t', 'nearest_neighbor', '--list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('  set_row(string id, datum d) -> bool\n');
    expect(list.stdout).toContain('Stores the datum `d` under `id`');
    expect(list.stdout).toContain('  get_status() -> map<string, map<string, string>>\n');
  });

  it('reports server-side errors with the method, and a dead address as unreachable', async () => {
    const mix = await call(['do_mix']);
    expect(mix.code).toBe(3);
    expect(mix.stderr).toContain(`${server.addr} does not answer do_mix`);

    const load = await call(['load', 'no_such_model']);
    expect(load.code).toBe(1);
    expect(load.stderr).toContain(`juba: load failed on ${server.addr}:`);

    const port = await freePort();
    const dead = await runJubaToEnd(['call', '-t', 'nearest_neighbor', '-s', `127.0.0.1:${port}`, 'get_all_rows'], env);
    expect(dead.code).toBe(4);
    expect(dead.stderr).toContain('connect failed');
    expect(dead.stderr).toContain(`hint: is a server or proxy running at 127.0.0.1:${port}?`);
  });
});

describe('juba bench', { timeout: 60_000 }, () => {
  it('reports calls, a rate and latency percentiles as JSON', async () => {
    const r = await bench(['-d', '3', '-c', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown> & { latencyMs: Record<string, number> };
    expect(j.method).toBe('similar_row_from_id');
    expect(j.concurrency).toBe(2);
    expect(j.calls).toBeGreaterThan(0);
    expect(j.ok).toBe(j.calls);
    expect(j.errors).toBe(0);
    expect(j.callsPerSec).toBeGreaterThan(0);
    expect(j.latencyMs.p50).toBeGreaterThan(0);
    expect(j.latencyMs.p99).toBeGreaterThanOrEqual(j.latencyMs.p50!);
    expect(j.latencyMs.max).toBeGreaterThanOrEqual(j.latencyMs.p99!);
  });

  it('prints progress lines and totals readably', async () => {
    const r = await bench(['-d', '2', '-c', '1', '--report-every', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^similar_row_from_id on 127\.0\.0\.1:\d+: 1 client\(s\) x depth 1 for 2 s, 3 ids$/m);
    expect(r.stdout).toMatch(/^\s+1\.\d s\s+\d+ calls\s+[\d.]+ calls\/s\s+0 errors$/m);
    expect(r.stdout).toMatch(/^rate: [\d.]+ calls\/s$/m);
    expect(r.stdout).toMatch(/^latency ms: p50 [\d.]+ {2}p90 [\d.]+ {2}p99 [\d.]+ {2}max [\d.]+/m);
  });

  it('calls any method with an --args template and pipelines with --depth', async () => {
    const r = await bench(['-d', '1', '--depth', '4', '--method', 'similar_row_from_datum', '--args', '[{"x": 1}, 2]', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { ok: number; depth: number };
    expect(j.depth).toBe(4);
    expect(j.ok).toBeGreaterThan(0);

    const bad = await bench(['-d', '1', '--method', 'similar_row_from_id', '--args', '["{id}", "ten"]']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`argument 2 'ret_num' of similar_row_from_id must be uint, an integer (got "ten")`);
  });

  it('stops on Ctrl-C and still prints the totals', async () => {
    const p = runJuba(['bench', '-t', 'nearest_neighbor', '-s', server.addr, '-d', '600', '--report-every', '1', '--json'], env);
    await p.waitForLog(/"interval"/);
    expect(await p.stop('SIGINT')).toBe(0);
    const j = JSON.parse(p.stdout()) as { interrupted: boolean; calls: number };
    expect(j.interrupted).toBe(true);
    expect(j.calls).toBeGreaterThan(0);
  });

  it('exits non-zero when every call fails, with the error counted', async () => {
    const r = await bench(['-d', '1', '-c', '1', '--method', 'load', '--args', '["no_such_model"]', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('juba: every call failed (cannot open input file');
    const j = JSON.parse(r.stdout) as { ok: number; errors: number; errorsByMessage: Record<string, number> };
    expect(j.ok).toBe(0);
    expect(Object.values(j.errorsByMessage).reduce((a, b) => a + b, 0)).toBe(j.errors);
  });

  it('refuses to run against an empty model', async () => {
    const empty = await standalone();
    const r = await bench(['-d', '1'], empty.addr);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('juba: no rows to query: feed some first (juba feed / juba source)');
    expect(await empty.p.stop()).toBe(0);
  });
});

describe('juba call -z finds a proxy, else a member', { timeout: 60_000 }, () => {
  const NAME = 'call_nn';
  let zk: ZooKeeperInstance;
  beforeAll(async () => {
    zk = await startZooKeeper();
    await writeHandsOnConfig(zk.hosts, tmp, [NAME]);
  }, 60_000);
  afterAll(async () => {
    killStarted();
    await zk?.destroy();
  });

  it('calls the cluster member when no proxy is registered, then the proxy', async () => {
    const port = await freePort();
    const member = runJuba(['serve', 'nearest_neighbor', '-z', zk.hosts, '-n', NAME, '-p', String(port), '-b', '127.0.0.1', '-d', tmp, '-Z', '5'], env);
    await member.waitForLog(/juba server started/);
    const viaZk = (args: string[]) => runJubaToEnd(['call', '-t', 'nearest_neighbor', '-n', NAME, '-z', zk.hosts, ...args], env);

    const direct = await viaZk(['set_row', 'm1', '{"x": 2}']);
    expect(direct.code, direct.stderr).toBe(0);
    expect(direct.stderr).toContain(`juba: calling server 127.0.0.1:${port} (no proxy registered)`);

    const noName = await runJubaToEnd(['call', '-t', 'nearest_neighbor', '-z', zk.hosts, 'get_all_rows'], env);
    expect(noName.code).toBe(3);
    expect(noName.stderr).toContain(`no nearest_neighbor proxy is registered in ZooKeeper at ${zk.hosts}`);

    const proxyPort = await freePort();
    const proxy = runJuba(['serve', 'nearest_neighbor', '--proxy', '-z', zk.hosts, '-p', String(proxyPort), '-b', '127.0.0.1', '-Z', '5'], env);
    await proxy.waitForLog(/juba proxy started/);
    let last = { code: 0 as number | string, stdout: '', stderr: '' };
    await eventually(async () => {
      last = await viaZk(['get_all_rows', '--json']);
      return last.code === 0 && last.stderr.includes(`juba: calling proxy 127.0.0.1:${proxyPort}`);
    }, 'a call through the proxy');
    expect(JSON.parse(last.stdout)).toEqual(['m1']);
  });
});
