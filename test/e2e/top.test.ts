/**
 * `juba top --once` against real ZooKeeper and 2 real servers under set_row traffic.
 * --once polls twice, --interval apart, so the snapshot carries rates.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src/client/service-client.js';
import type { Datum } from '../../src/engine/datum.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { JUBA, freePort, killStarted, runJuba, runJubaToEnd } from '../harness/processes.js';
import { writeHandsOnConfig } from '../harness/cluster.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const desc = loadEngineDescriptor('nearest_neighbor');
const NAME = 'top_nn';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-top-'));
const num = (o: Record<string, number>): Datum => ({ stringValues: [], numValues: Object.entries(o), binaryValues: [] });
let zk: ZooKeeperInstance;
const servers: Array<{ ipPort: string; client: ServiceClient }> = [];

async function startServer(): Promise<void> {
  const port = await freePort();
  const p = runJuba(['serve', 'nearest_neighbor', '-z', zk.hosts, '-n', NAME, '-p', String(port), '-b', '127.0.0.1',
    '-d', tmp, '-Z', '2', '-I', '5', '-s', '0', '-i', '1000000']);
  await p.waitForLog(/juba server started/);
  servers.push({ ipPort: `127.0.0.1_${port}`, client: new ServiceClient(desc, { host: '127.0.0.1', port, name: NAME }) });
}

/** set_row on both servers until `done` resolves. */
async function traffic(done: Promise<unknown>): Promise<number> {
  let stop = false;
  void done.finally(() => (stop = true));
  let n = 0;
  while (!stop) {
    await Promise.all(servers.map((s) => s.client.call('set_row', `r${n}`, num({ x: n % 13, y: n % 7 }))));
    n++;
  }
  return n;
}

beforeAll(async () => {
  zk = await startZooKeeper();
  await writeHandsOnConfig(zk.hosts, tmp, [NAME]);
  await Promise.all([startServer(), startServer()]);
}, 120_000);

afterAll(async () => {
  for (const s of servers) s.client.close();
  killStarted();
  await zk?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('juba top', () => {
  it('prints a JSON snapshot with both members and their update rates', async () => {
    const top = runJubaToEnd(['top', '-z', zk.hosts, '-n', NAME, '--once', '--json', '--interval', '1000']);
    const sent = await traffic(top);
    const r = await top;
    expect(r.code, r.stderr).toBe(0);
    expect(sent).toBeGreaterThan(0);
    const snap = JSON.parse(r.stdout) as {
      cluster: string; polls: number; zk: { state: string };
      totals: { members: number; reachable: number; updateRate: number };
      members: Array<{ ipPort: string; reachable: boolean; active: boolean; updateRate: number; rows: number }>;
    };
    expect(snap.cluster).toBe(`nearest_neighbor/${NAME}`);
    expect(snap.polls).toBe(2);
    expect(snap.zk.state).toBe('connected');
    expect(snap.members.map((m) => m.ipPort).sort()).toEqual(servers.map((s) => s.ipPort).sort());
    for (const m of snap.members) {
      expect(m.reachable).toBe(true);
      expect(m.updateRate).toBeGreaterThan(0);
    }
    expect(snap.totals).toMatchObject({ members: 2, reachable: 2 });
    expect(snap.totals.updateRate).toBeGreaterThan(0);
  });

  it('prints a plain snapshot with --once', async () => {
    const top = runJubaToEnd(['top', '-z', zk.hosts, '-n', NAME, '--once', '--interval', '300']);
    await traffic(top);
    const r = await top;
    expect(r.code, r.stderr).toBe(0);
    for (const s of servers) expect(r.stdout).toMatch(new RegExp(`${s.ipPort}\\s+active`));
    expect(r.stdout).toMatch(/members 2\/2/);
    expect(r.stdout).toMatch(/update\/s \d+\.?\d*/);
    expect(r.stdout).not.toMatch(/update\/s -/);
  });

  it('logs the MIX events that happen between its polls', async () => {
    const top = runJubaToEnd(['top', '-z', zk.hosts, '-n', NAME, '--once', '--json', '--interval', '2000']);
    let stop = false;
    void top.finally(() => (stop = true));
    while (!stop) {
      await servers[0]!.client.doMix();
      await new Promise((r) => setTimeout(r, 300));
    }
    const r = await top;
    expect(r.code, r.stderr).toBe(0);
    const snap = JSON.parse(r.stdout) as { events: Array<{ ipPort: string; round: number; members: number }>; members: Array<{ mixRounds: number }> };
    expect(snap.events.length).toBeGreaterThan(0);
    expect(servers.map((s) => s.ipPort)).toContain(snap.events[0]!.ipPort);
    expect(snap.events[0]!.round).toBeGreaterThan(0);
    expect(snap.events[0]!.members).toBe(2);
  });

  it('watches one standalone server with --server', async () => {
    const port = servers[0]!.ipPort.split('_')[1];
    const r = await runJubaToEnd(['top', '--server', `127.0.0.1:${port}`, '--json', '--interval', '250']);
    expect(r.code, r.stderr).toBe(0);
    const snap = JSON.parse(r.stdout) as { members: Array<{ ipPort: string; reachable: boolean }> };
    expect(snap.members).toHaveLength(1);
    expect(snap.members[0]).toMatchObject({ ipPort: servers[0]!.ipPort, reachable: true });
  });

  it('runs live in a terminal (tmux): members, analyze rate, a MIX event, q quits', async () => {
    const session = `juba-top-${process.pid}`;
    const tmux = (...a: string[]): string => execFileSync('tmux', a, { encoding: 'utf8' });
    // Ink draws every frame only outside CI mode, so the pane gets a clean environment.
    tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '50',
      `env -u CI NO_COLOR=1 ${process.execPath} ${JUBA} top -z ${zk.hosts} -n ${NAME} --interval 300; sleep 30`);
    const pane = (): string => tmux('capture-pane', '-p', '-t', session);
    const until = async (ok: (text: string) => boolean, what: string): Promise<string> => {
      const deadline = Date.now() + 20_000;
      let text = '';
      while (Date.now() < deadline) {
        text = pane();
        if (ok(text)) return text;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`timed out waiting for ${what}; pane:\n${text}`);
    };
    try {
      let querying = true;
      const load = (async () => {
        while (querying) await Promise.all(servers.map((s) => s.client.call('similar_row_from_id', 'r1', 5)));
      })();
      try {
        await until((t) => servers.every((s) => t.includes(s.ipPort)), 'both members');
        await until((t) => Number(/analyze\/s ([0-9.]+)/.exec(t)?.[1] ?? 0) > 0, 'a non-zero analyze rate');
      } finally {
        querying = false;
        await load;
      }
      const mix = await runJubaToEnd(['ctl', 'mix', '-z', zk.hosts, '-t', 'nearest_neighbor', '-n', NAME]);
      expect(mix.code, mix.stderr).toBe(0);
      await until((t) => /MIX events[\s\S]*127\.0\.0\.1_\d+/.test(t.slice(t.indexOf('MIX events'))), 'a MIX event');
      tmux('send-keys', '-t', session, 'q');
      // After q the pane's shell moves on to the trailing sleep.
      const deadline = Date.now() + 10_000;
      let cmd = '';
      while (Date.now() < deadline && (cmd = tmux('display-message', '-p', '-t', session, '#{pane_current_command}').trim()) !== 'sleep') {
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(cmd).toBe('sleep');
    } finally {
      try { tmux('kill-session', '-t', session); } catch { /* already gone */ }
    }
  });
});
