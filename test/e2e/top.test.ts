/**
 * `juba top` against real ZooKeeper, 2 real servers under traffic and a proxy: `--once`
 * snapshots (two polls, --interval apart, so they carry rates), and the live dashboard in tmux.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zookeeper from 'node-zookeeper-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src/client/service-client.js';
import * as P from '../../src/cluster/paths.js';
import { Zk } from '../../src/cluster/zk.js';
import type { Datum } from '../../src/engine/datum.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { JUBA, freePort, killStarted, runJuba, runJubaToEnd } from '../harness/processes.js';
import { writeHandsOnConfig } from '../harness/cluster.js';
import { waitForValue } from '../harness/wait.js';
import { startZooKeeper, type ZooKeeperInstance } from '../harness/zookeeper.js';

const desc = loadEngineDescriptor('nearest_neighbor');
const NAME = 'top_nn';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-top-'));
const num = (o: Record<string, number>): Datum => ({ stringValues: [], numValues: Object.entries(o), binaryValues: [] });
/** TCP state CLOSE_WAIT in /proc/net/tcp: the peer closed, we have not. */
const CLOSE_WAIT = '08';

/** The TCP states of `pid`'s sockets to loopback port `port` (from /proc, as hex codes). */
function zkSocketStates(pid: number, port: number): string[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      /* closed meanwhile */
    }
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').slice(1) : []))
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c.length > 9 && c[2]!.endsWith(`:${hexPort}`) && inodes.has(c[9]!))
    .map((c) => c[3]!);
}

let zk: ZooKeeperInstance;
const servers: Array<{ ipPort: string; client: ServiceClient }> = [];
let proxy: { ipPort: string };
let visor: { ipPort: string };

async function startServer(): Promise<void> {
  const port = await freePort();
  const p = runJuba(['serve', 'nearest_neighbor', '-z', zk.hosts, '-n', NAME, '-p', String(port), '-b', '127.0.0.1',
    '-d', tmp, '-Z', '2', '-I', '5', '-s', '0', '-i', '1000000']);
  await p.waitForLog(/juba server started/);
  servers.push({ ipPort: `127.0.0.1_${port}`, client: new ServiceClient(desc, { host: '127.0.0.1', port, name: NAME }) });
}

async function startProxy(): Promise<{ ipPort: string }> {
  const p = runJuba(['serve', 'nearest_neighbor', '--proxy', '-z', zk.hosts, '-p', '0', '-b', '127.0.0.1']);
  await p.waitForLog(/juba proxy started/);
  const address = /"address":"([\d.]+):(\d+)"/.exec(p.stderr())!;
  return { ipPort: P.ipPort(address[1]!, Number(address[2])) };
}

/**
 * `juba top` in a detached tmux session (no CI mode, so Ink draws every frame). A shell runs it
 * and then prints its exit status on the pane (tmux's own pane_dead_status is not reliable here).
 */
class TmuxTop {
  constructor(readonly session: string, args: string[]) {
    this.tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '50',
      'sh', '-c', '"$@"; echo "[exit $?]"; sleep 120', 'sh', 'env', '-u', 'CI', 'NO_COLOR=1', process.execPath, JUBA, 'top', ...args);
  }

  tmux(...a: string[]): string {
    return execFileSync('tmux', a, { encoding: 'utf8' });
  }

  pane(): string {
    return this.tmux('capture-pane', '-p', '-t', this.session);
  }

  info(format: string): string {
    return this.tmux('display-message', '-p', '-t', this.session, format).trim();
  }

  async until(ok: (text: string) => boolean, what: string, ms = 20_000): Promise<string> {
    let text = '';
    return waitForValue(() => (ok((text = this.pane())) ? text : undefined), what, ms, 250)
      .catch((e: Error) => { throw new Error(`${e.message}\nlast pane:\n${text}`); });
  }

  /** The pid of juba top (the shell's child). */
  pid(): number {
    const sh = this.info('#{pane_pid}');
    const pid = Number(fs.readFileSync(`/proc/${sh}/task/${sh}/children`, 'utf8').trim());
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain(`${JUBA}\0top\0`);
    return pid;
  }

  /** Waits for juba top to exit; its exit status. */
  async exitStatus(): Promise<string> {
    const text = await this.until((x) => /\[exit \d+\]/.test(x), 'juba top to exit');
    return /\[exit (\d+)\]/.exec(text)![1]!;
  }

  kill(): void {
    try {
      this.tmux('kill-session', '-t', this.session);
    } catch {
      /* already gone */
    }
  }
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
  proxy = await startProxy();
  const visorPort = await freePort();
  const v = runJuba(['visor', '-z', zk.hosts, '-p', String(visorPort), '-b', '127.0.0.1', '-l', tmp]);
  await v.waitForLog(/juba visor started/);
  visor = { ipPort: P.ipPort('127.0.0.1', visorPort) };
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
      proxies: Array<{ ipPort: string; reachable: boolean; uptimeSec: number; requestCount: number }>;
      visors: Array<{ ipPort: string; reachable: boolean; children: number; clusterChildren: number }>;
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
    expect(snap.proxies).toEqual([expect.objectContaining({ ipPort: proxy.ipPort, reachable: true })]);
    expect(snap.proxies[0]!.uptimeSec).toBeGreaterThanOrEqual(0);
    expect(snap.proxies[0]!.requestCount).toBeGreaterThanOrEqual(2); // our two get_proxy_status calls
    expect(snap.visors).toEqual([{ ipPort: visor.ipPort, reachable: true, children: 0, clusterChildren: 0 }]);
  });

  it('prints a plain snapshot with --once', async () => {
    const top = runJubaToEnd(['top', '-z', zk.hosts, '-n', NAME, '--once', '--interval', '300']);
    await traffic(top);
    const r = await top;
    expect(r.code, r.stderr).toBe(0);
    for (const s of servers) expect(r.stdout).toMatch(new RegExp(`${s.ipPort}\\s+active`));
    expect(r.stdout).toMatch(new RegExp(`Proxies \\(1\\)[\\s\\S]*${proxy.ipPort}\\s+up`));
    expect(r.stdout).toMatch(new RegExp(`Visors \\(1\\)[\\s\\S]*${visor.ipPort}\\s+up\\s+0\\s+0`));
    expect(r.stdout).toMatch(/members 2\/2/);
    expect(r.stdout).toMatch(/update\/s \d+\.?\d*/);
    expect(r.stdout).not.toMatch(/update\/s -/);
  });

  it('logs the MIX events that happen between its polls', async () => {
    const top = runJubaToEnd(['top', '-z', zk.hosts, '-n', NAME, '--once', '--json', '--interval', '2000']);
    let stop = false;
    void top.finally(() => (stop = true));
    // Rounds one after another until top has taken its two snapshots (at most 2000 rounds).
    for (let i = 0; i < 2000 && !stop; i++) await servers[0]!.client.doMix();
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

  it('runs live in a terminal (tmux): members, analyze rate, a MIX event, resize, q quits and restores the screen', async () => {
    const t = new TmuxTop(`juba-top-${process.pid}-live`, ['-z', zk.hosts, '-n', NAME, '--interval', '300']);
    const memberHead = (x: string): string => x.split('\n').find((l) => l.includes('IP_PORT')) ?? '';
    try {
      let querying = true;
      const load = (async () => {
        while (querying) await Promise.all(servers.map((s) => s.client.call('similar_row_from_id', 'r1', 5)));
      })();
      try {
        await t.until((x) => servers.every((s) => x.includes(s.ipPort)), 'both members');
        expect(t.info('#{alternate_on}')).toBe('1');
        await t.until((x) => Number(/analyze\/s ([0-9.]+)/.exec(x)?.[1] ?? 0) > 0, 'a non-zero analyze rate');
      } finally {
        querying = false;
        await load;
      }
      const mix = await runJubaToEnd(['ctl', 'mix', '-z', zk.hosts, '-t', 'nearest_neighbor', '-n', NAME]);
      expect(mix.code, mix.stderr).toBe(0);
      await t.until((x) => /MIX events[\s\S]*127\.0\.0\.1_\d+/.test(x.slice(x.indexOf('MIX events'))), 'a MIX event');
      await t.until((x) => x.includes(`${proxy.ipPort}`) && /Proxies \(1\)/.test(x), 'the proxy in its section');
      expect(memberHead(t.pane())).toMatch(/IP_PORT.*RSS.*LASTMIX/);

      // Narrower: fewer columns, one clean frame (no reflowed leftovers of the wide one).
      t.tmux('resize-window', '-t', t.session, '-x', '80', '-y', '40');
      const narrow = await t.until((x) => /IP_PORT\s+STATE.*ANA\/S/.test(memberHead(x)) && !memberHead(x).includes('RSS'), 'the narrow layout');
      await t.until((x) => x.split('\n').filter((l) => l.startsWith('juba top')).length === 1, 'a single header after the resize');
      for (const s of servers) expect(narrow).toMatch(new RegExp(`${s.ipPort}\\s+active`));
      for (const l of narrow.split('\n')) expect(l.length, l).toBeLessThanOrEqual(80);

      t.tmux('send-keys', '-t', t.session, 'q');
      expect(await t.exitStatus()).toBe('0');
      // Back on the shell's screen: the dashboard is gone with the alternate screen.
      expect(t.info('#{alternate_on}')).toBe('0');
      expect(t.pane()).not.toContain('juba top —');
    } finally {
      t.kill();
    }
  }, 90_000);

  it('opens a new ZooKeeper session after its own expires, watches again, and leaves the screen on SIGTERM', async () => {
    // 2 s sessions; stopping the process for longer lets ZooKeeper expire its session for real.
    const t = new TmuxTop(`juba-top-${process.pid}-expiry`, ['-z', zk.hosts, '-n', NAME, '--interval', '300', '--zookeeper_timeout', '2']);
    try {
      await t.until((x) => servers.every((s) => x.includes(s.ipPort)) && x.includes('zk: connected'), 'both members, connected');
      const pid = t.pid();
      process.kill(pid, 'SIGSTOP');
      // ZooKeeper expires the silent session and hangs up: top's socket to it is half-closed.
      await waitForValue(() => (zkSocketStates(pid, zk.port).includes(CLOSE_WAIT) ? true : undefined), 'ZooKeeper to drop the stopped top\'s session', 60_000, 250);
      process.kill(pid, 'SIGCONT');
      await t.until((x) => /zk: connected \(127\.0\.0\.1:\d+\) session #2/.test(x), 'a second session', 30_000);
      // The last known members stayed; membership is watched through the new session.
      for (const s of servers) expect(t.pane()).toMatch(new RegExp(`${s.ipPort}\\s+active`));
      const late = await startProxy();
      await t.until((x) => new RegExp(`${late.ipPort}\\s+up`).test(x) && /Proxies \(2\)/.test(x), 'the proxy that started after the new session');
      process.kill(pid, 'SIGTERM');
      expect(await t.exitStatus()).toBe('0');
      expect(t.info('#{alternate_on}')).toBe('0');
      expect(t.pane()).not.toContain('juba top —');
    } finally {
      t.kill();
    }
  }, 90_000);

  it('leaves the alternate screen and prints the error when it cannot read the cluster', async () => {
    // A cluster whose nodes/ this client may not read (a digest ACL it has no credentials for).
    const admin = await Zk.connect(zk.hosts, { sessionTimeoutMs: 5000 });
    const locked = P.nodes('nearest_neighbor', 'locked');
    await admin.mkdirp(locked);
    const id = new zookeeper.Id('digest', `juba:${createHash('sha1').update('juba:secret').digest('base64')}`);
    await new Promise<void>((res, rej) =>
      admin.client.setACL(locked, [new zookeeper.ACL(zookeeper.Permission.ALL, id)], -1, (e) => (e ? rej(e) : res())));
    await admin.close();
    const t = new TmuxTop(`juba-top-${process.pid}-error`, ['-z', zk.hosts, '-n', 'locked', '--interval', '300']);
    try {
      expect(await t.exitStatus()).toBe('1');
      expect(t.info('#{alternate_on}')).toBe('0');
      const text = t.pane();
      expect(text).toMatch(/juba: cannot read the members of nearest_neighbor\/locked from ZooKeeper: .*NO_AUTH/);
      expect(text).toContain('hint: check that this client may read /jubatus/actors/nearest_neighbor/locked');
      expect(text).not.toContain('juba top —');
    } finally {
      t.kill();
    }
  });
});
