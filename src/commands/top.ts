import { Flags } from '@oclif/core';
import { render } from 'ink';
import { createElement, type Dispatch } from 'react';
import { BaseCommand } from '../base-command.js';
import { zkFlags, zookeeperHosts } from '../cli/cluster-flags.js';
import { sizeOf } from '../control/engine-presets.js';
import { descriptorForType } from '../idl/descriptor.js';
import { TopApp } from '../tui/app.js';
import { plainSnapshot } from '../tui/format.js';
import { clampInterval, Poller, type PollerOptions } from '../tui/poller.js';
import { initialState, reducer, snapshot, type Action, type TopState } from '../tui/state.js';
import { openTopTarget } from '../tui/top-target.js';

type Snapshot = ReturnType<typeof snapshot>;

/** The alternate screen (xterm 1049): the dashboard draws there, and the shell's screen comes back on exit. */
const ENTER_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_SCREEN = '\x1b[?1049l';
const CLEAR_SCREEN = '\x1b[2J\x1b[H';

export default class Top extends BaseCommand {
  static override summary = 'Live view of a cluster (or one server): members, rates, latency, proxies, visors, MIX events.';
  static override description = [
    'Polls get_status of every member of the cluster every --interval ms, each call with its own --timeout, and shows '
    + 'update/s and analyze/s (differences of the cumulative counters between polls), mean latency, rows, memory and '
    + 'MIX rounds. A member that stops answering stays listed as UNREACH, or as gone once it left ZooKeeper.',
    "Below the members: the engine's proxies (get_proxy_status: uptime, RSS, requests/s, forwards/s), the visors (how "
    + "many servers each runs), a scrollable log of MIX rounds, and charts of the cluster's and the selected member's rates.",
    'Membership comes from ZooKeeper watches. When the session expires a new one is opened, with backoff, while the last '
    + 'known members stay on screen. The layout follows the terminal size; the dashboard uses the alternate screen and '
    + 'gives the shell its screen back however it ends.',
    'Keys: q quit, ? help, / filter, s/S sort, p pause, tab switch pane (members / MIX events), ↑↓ or j k select a member '
    + 'or scroll the MIX log, PgUp/PgDn by page, r refresh now.',
    'Without a terminal (or with --once / --json) it prints one snapshot and exits: it polls twice, --interval apart, '
    + 'so the rates are filled in.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> top -z 127.0.0.1:2181 -n sensors',
    '<%= config.bin %> top --server 127.0.0.1:9199',
    '<%= config.bin %> top -z 127.0.0.1:2181 -n sensors --once --json',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    ...zkFlags,
    type: Flags.string({ char: 't', description: 'engine type (default: what ZooKeeper, or the --server, says)' }),
    name: Flags.string({ char: 'n', description: 'cluster name (default: the first cluster of -t, or the only cluster)' }),
    server: Flags.string({ description: 'watch one standalone server host:port instead of a cluster', exclusive: ['name'] }),
    interval: Flags.integer({ char: 'i', default: 1000, description: 'poll interval in ms (at least 250)' }),
    timeout: Flags.integer({ default: 5, min: 1, description: 'seconds to wait for each status call' }),
    once: Flags.boolean({ description: 'print one snapshot and exit (two polls, --interval apart)' }),
    color: Flags.boolean({ default: true, allowNo: true, description: 'colors (also off with NO_COLOR)' }),
  };

  async run(): Promise<Snapshot> {
    const { flags: f } = await this.parse(Top);
    const intervalMs = clampInterval(f.interval);
    const target = await openTopTarget({
      server: f.server, zookeeper: f.server ? '' : zookeeperHosts(f.zookeeper), zookeeperTimeoutSec: f.zookeeper_timeout,
      type: f.type, name: f.name, timeoutSec: f.timeout,
    });
    const { source, label, type } = target;
    const desc = descriptorForType(type);
    const size = sizeOf(type);
    const cluster = source.kind === 'zk' ? `${type}/${source.name}` : type;
    const initial = initialState({ source: label, cluster, intervalMs, sizeLabel: size.label });
    const poller = (dispatch: Dispatch<Action>, onError: PollerOptions['onError']): Poller => new Poller({
      source, desc, sizeKeys: size.keys, intervalMs, timeoutMs: f.timeout * 1000, onError,
      onPoll: (r) => dispatch({ type: 'poll', ...r }),
      onZk: (e) => dispatch({ type: 'zk', at: Date.now(), ...e }),
    });
    try {
      if (f.once || this.jsonEnabled() || !process.stdout.isTTY) {
        let state = initial;
        const p = poller((a) => (state = reducer(state, a)), (e) => process.stderr.write(`juba top: ${message(e)}\n`));
        try {
          await p.init();
          await p.poll();
          await new Promise((r) => setTimeout(r, intervalMs));
          await p.poll();
        } finally {
          p.stop();
        }
        if (!this.jsonEnabled()) this.log(plainSnapshot(state));
        return snapshot(state);
      }
      return await this.interactive(initial, poller, f.color && !process.env.NO_COLOR);
    } finally {
      await target.close();
    }
  }

  /** The dashboard on the alternate screen, which is left however the app ends (q, a signal, an error). */
  private async interactive(initial: TopState, makePoller: (d: Dispatch<Action>, onError: PollerOptions['onError']) => Poller,
    color: boolean): Promise<Snapshot> {
    let last = initial;
    let poller: Poller | undefined;
    const start = (dispatch: Dispatch<Action>, fail: (e: Error) => void): (() => void) => {
      // Keep a copy of the latest state for the return value (the reducer is pure, so replaying is cheap).
      const both = (a: Action): void => {
        last = reducer(last, a);
        dispatch(a);
      };
      // Errors that do not end the view go to its notice line; stderr would tear the screen.
      const p = makePoller(both, (e) => both({ type: 'notice', at: Date.now(), text: message(e) }));
      poller = p;
      p.init().then(() => p.start(), (e: unknown) => fail(e instanceof Error ? e : new Error(String(e))));
      return () => p.stop();
    };
    let onScreen = true;
    const leave = (): void => {
      if (onScreen) process.stdout.write(LEAVE_SCREEN);
      onScreen = false;
    };
    process.stdout.write(ENTER_SCREEN);
    // A crash must not strand the shell on the alternate screen either.
    process.on('exit', leave);
    // The terminal reflows the old frame when it is resized, so Ink's relative redraw would land
    // on garbage: wipe the screen first (before Ink's own listener runs) and let the next frame draw in full.
    let size = `${process.stdout.columns}x${process.stdout.rows}`;
    const onResize = (): void => {
      const now = `${process.stdout.columns}x${process.stdout.rows}`;
      if (now === size) return;
      size = now;
      process.stdout.write(CLEAR_SCREEN);
      app.clear();
    };
    process.stdout.prependListener('resize', onResize);
    const app = render(createElement(TopApp, { initial, start, refresh: () => void poller?.poll(), color }), { exitOnCtrlC: true });
    const quit = (): void => app.unmount();
    const signals = ['SIGTERM', 'SIGHUP'] as const;
    for (const s of signals) process.on(s, quit);
    try {
      await app.waitUntilExit();
    } finally {
      poller?.stop();
      process.stdout.off('resize', onResize);
      for (const s of signals) process.off(s, quit);
      leave();
      process.off('exit', leave);
    }
    return snapshot(last);
  }
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
