import { Flags } from '@oclif/core';
import { render } from 'ink';
import { createElement } from 'react';
import { BaseCommand } from '../base-command.js';
import { checkSegment, storedType, zkFlags, zookeeperHosts } from '../cli/cluster-flags.js';
import { Zk } from '../cluster/zk.js';
import { listClusters } from '../control/cluster-control.js';
import { JubaError } from '../errors.js';
import { loadEngineDescriptor } from '../idl/descriptor.js';
import { TopApp } from '../tui/app.js';
import { plainSnapshot } from '../tui/format.js';
import { clampInterval, Poller, type PollSource } from '../tui/poller.js';
import { initialState, reducer, snapshot, type TopState } from '../tui/state.js';

type Snapshot = ReturnType<typeof snapshot>;

export default class Top extends BaseCommand {
  static override summary = 'Live view of a cluster (or one server): members, rates, latency, MIX events.';
  static override description = [
    'Polls get_status of every member of the cluster (membership watched in ZooKeeper) every --interval ms',
    'and shows update/s and analyze/s (differences of the cumulative counters between polls), mean latency,',
    'rows, memory and MIX rounds. Keys: q quit, ? help, / filter, s/S sort, p pause, tab pane, ↑↓/j k select, r refresh.',
    'Without a terminal (or with --once / --json) it prints one snapshot and exits: it polls twice, --interval apart,',
    'so the rates are filled in.',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> top -z 127.0.0.1:2181 -n sensors',
    '<%= config.bin %> top --server 127.0.0.1:9199',
    '<%= config.bin %> top -z 127.0.0.1:2181 -n sensors --once --json',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    ...zkFlags,
    type: Flags.string({ char: 't', default: 'nearest_neighbor', description: 'engine type' }),
    name: Flags.string({ char: 'n', description: 'cluster name (default: the first cluster of the type)' }),
    server: Flags.string({ description: 'watch one standalone server host:port instead of a cluster', exclusive: ['name'] }),
    interval: Flags.integer({ char: 'i', default: 1000, description: 'poll interval in ms (at least 250)' }),
    timeout: Flags.integer({ default: 5, min: 1, description: 'seconds to wait for each get_status' }),
    once: Flags.boolean({ description: 'print one snapshot and exit (two polls, --interval apart)' }),
    color: Flags.boolean({ default: true, allowNo: true, description: 'colors (also off with NO_COLOR)' }),
  };

  async run(): Promise<Snapshot> {
    const { flags: f } = await this.parse(Top);
    const type = storedType(f.type);
    const intervalMs = clampInterval(f.interval);
    const desc = loadEngineDescriptor(type);
    let zk: Zk | undefined;
    let source: PollSource;
    let label: string;
    if (f.server) {
      const m = /^(.+):(\d+)$/.exec(f.server);
      if (!m) throw new JubaError(`invalid --server ${JSON.stringify(f.server)}`, { code: 'usage', hint: 'use host:port, e.g. 127.0.0.1:9199' });
      source = { kind: 'server', host: m[1]!, port: Number(m[2]) };
      label = `server ${f.server}`;
    } else {
      const hosts = zookeeperHosts(f.zookeeper);
      const ms = f.zookeeper_timeout * 1000;
      zk = await Zk.connect(hosts, { sessionTimeoutMs: ms, connectTimeoutMs: ms });
      const name = f.name ? checkSegment('name', f.name) : (await listClusters(zk, type))[0];
      if (!name) {
        await zk.close();
        throw new JubaError(`no ${type} cluster registered in ${hosts}`, { code: 'not_found', hint: 'pass -n NAME, or -t for another engine type' });
      }
      source = { kind: 'zk', zk, type, name };
      label = `zk ${hosts}`;
    }
    const cluster = source.kind === 'zk' ? `${type}/${source.name}` : type;
    let state = initialState({ source: label, cluster, intervalMs });
    const color = f.color && !process.env.NO_COLOR;
    const onError = (e: unknown): void => {
      process.stderr.write(`juba top: ${e instanceof Error ? e.message : String(e)}\n`);
    };
    try {
      if (f.once || this.jsonEnabled() || !process.stdout.isTTY) {
        const poller = new Poller({
          source, desc, intervalMs, timeoutMs: f.timeout * 1000, onError,
          onSamples: (at, samples) => (state = reducer(state, { type: 'poll', at, samples })),
          onZk: (s, server) => (state = reducer(state, { type: 'zk', state: s, server })),
        });
        await poller.init();
        await poller.poll();
        await new Promise((r) => setTimeout(r, intervalMs));
        await poller.poll();
        poller.stop();
        if (!this.jsonEnabled()) this.log(plainSnapshot(state));
        return snapshot(state);
      }
      return await this.interactive(state, source, desc, intervalMs, f.timeout * 1000, color);
    } finally {
      await zk?.close();
    }
  }

  private async interactive(initial: TopState, source: PollSource, desc: ReturnType<typeof loadEngineDescriptor>,
    intervalMs: number, timeoutMs: number, color: boolean): Promise<Snapshot> {
    let last = initial;
    let poller: Poller | undefined;
    const start = (dispatch: (a: Parameters<typeof reducer>[1]) => void): (() => void) => {
      poller = new Poller({
        source, desc, intervalMs, timeoutMs,
        onSamples: (at, samples) => dispatch({ type: 'poll', at, samples }),
        onZk: (state, server) => dispatch({ type: 'zk', state, server }),
        onError: () => undefined, // shown as unreachable members; stderr would tear the screen
      });
      const p = poller;
      p.init().then(() => p.start(), () => p.start());
      return () => p.stop();
    };
    // Keep a copy of the latest state for the return value (the reducer is pure, so replaying is cheap).
    const track = (dispatch: (a: Parameters<typeof reducer>[1]) => void) =>
      start((a) => {
        last = reducer(last, a);
        dispatch(a);
      });
    const app = render(createElement(TopApp, { initial, start: track, refresh: () => void poller?.poll(), color }), { exitOnCtrlC: true });
    await app.waitUntilExit();
    poller?.stop();
    return snapshot(last);
  }
}

