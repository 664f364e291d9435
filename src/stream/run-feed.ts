/**
 * `juba feed`'s work: `planFeed` checks what to apply and from where before anything is
 * contacted; `runFeed` applies the messages (a RabbitMQ queue, or JSON lines from a file or
 * stdin) through a Feed, with --durable's MIX tracking when a cluster is named, until the stop
 * says so, and returns the summary. The command parses flags and prints.
 */
import fs from 'node:fs';
import type { ServiceClient } from '../client/service-client.js';
import { presetsOf } from '../control/engine-presets.js';
import { JubaError } from '../errors.js';
import type { ServiceDescriptor } from '../idl/types.js';
import { consumeAmqp, redactUrl } from './amqp-input.js';
import type { DurableCluster } from './durable.js';
import { createMapper, Feed, formatProgress, type Mapper } from './feed.js';
import { consumeJsonl } from './jsonl-input.js';
import { ProgressLine } from './progress.js';
import { AWAIT_MERGE_SAMPLE_MS, AwaitBudget } from './await-budget.js';

export interface FeedSummary {
  input: string;
  target: string;
  method: string;
  received: number;
  applied: number;
  deadLettered: number;
  deadLetterTo: string;
  retries: number;
  /** Messages left unacknowledged (redelivered later) or unread lines, because the feed stopped. */
  notApplied: number;
  seconds: number;
  perSecond: number;
  /** --durable: 'merge' (done once a MIX covered it), 'apply' (no MIX to follow: -s, 1.1.1 members), or absent. */
  durable?: 'merge' | 'apply';
  merged?: number;
  /** --durable: messages applied again because their server was lost before a MIX, by reason. */
  resent?: number;
  resentWhy?: Record<string, number>;
  /** --durable: members without juba's mix.* status keys (Jubatus 1.1.1), acknowledged after apply. */
  ackAfterApply?: string[];
  /** --durable: --await-merge at the end (given, or sized from the feed rate and MIX interval). */
  awaitMerge?: number;
}

/** Update methods a repeat cannot change the model twice with (for --map). */
const IDEMPOTENT_METHODS = new Set(['set_row', 'update_row', 'update_node', 'clear_row', 'remove_row', 'remove_node']);

export interface FeedInput {
  type: string;
  descriptor: ServiceDescriptor;
  /** --map: the update method; default the engine's feed preset. */
  map?: string;
  /** The RabbitMQ URL (amqpUrlFor) and --queue, or a file (- for stdin). */
  amqpUrl?: string;
  queue?: string;
  file?: string;
  /** Whether stdin is a terminal: a piped stdin is read when no input is named. */
  stdinIsTTY: boolean;
  deadLetter?: string;
  deadLetterFile?: string;
}

export interface FeedPlan {
  method: string;
  map: Mapper;
  /** A repeat of the method cannot change the model twice (--durable may re-send). */
  idempotent: boolean;
  amqp?: { url: string; queue: string; deadLetterQueue: string };
  /** The file of JSON lines, '-' for stdin (without amqp). */
  file?: string;
  /** For the summary: where messages come from and where poison goes. */
  input: string;
  deadLetterTo: string;
}

/** Checks the method and the input; throws usage / not-found errors before anything is contacted. */
export function planFeed(a: FeedInput): FeedPlan {
  const preset = a.map ? undefined : presetsOf(a.type)?.feed;
  const method = a.map ?? preset?.method;
  if (!method) {
    throw new JubaError(`no default update method for ${a.type}`, {
      code: 'usage',
      hint: `pass --map METHOD, one of: ${[...a.descriptor.methods.keys()].sort().join(', ')}`,
    });
  }
  const map = createMapper(a.descriptor, method, preset?.wrap ?? false);
  const idempotent = preset ? preset.idempotent === true : IDEMPOTENT_METHODS.has(method);
  if (a.amqpUrl) {
    const deadLetterQueue = a.deadLetter ?? `${a.queue}.dead`;
    return {
      method, map, idempotent, amqp: { url: a.amqpUrl, queue: a.queue!, deadLetterQueue },
      input: `${redactUrl(a.amqpUrl)} queue ${a.queue}`, deadLetterTo: `queue ${deadLetterQueue}`,
    };
  }
  const file = a.file ?? (a.stdinIsTTY ? undefined : '-');
  if (!file) {
    throw new JubaError('nothing to feed from', {
      code: 'usage',
      hint: 'pass --amqp URL --queue NAME, or -f FILE (or pipe JSON lines into stdin)',
    });
  }
  if (file !== '-' && !fs.existsSync(file)) throw new JubaError(`no such file: ${file}`, { code: 'not_found' });
  return {
    method, map, idempotent, file,
    input: file === '-' ? 'stdin' : file,
    deadLetterTo: a.deadLetterFile ?? (file === '-' ? 'feed.dead.jsonl' : `${file}.dead.jsonl`),
  };
}

/** What ends a feed: StopRequest (cli/stop-request.ts) is one. */
export interface FeedStop {
  readonly stopped: Promise<string>;
  request(why: string): void;
  when(cond: () => boolean, why: string): void;
}

export interface FeedRun {
  client: ServiceClient;
  /** host:port of the client's target, for the summary. */
  target: string;
  /** The target as the starting line names it ("proxy 127.0.0.1:9199"), and -n if given. */
  targetLabel: string;
  clusterName?: string;
  /** --durable with a cluster to watch (from -z): MIX tracking; without zk, acknowledged after apply. */
  /** `awaitMerge`: --await-merge as given; undefined = sized from the feed rate and the MIX interval. */
  durable?: { zk?: { hosts: string; timeoutSec: number; name?: string }; awaitMerge?: number };
  type: string;
  descriptor: ServiceDescriptor;
  callTimeoutMs: number;
  /** Most messages being applied at once (the AMQP prefetch). */
  inFlight: number;
  retryForMs: number;
  /** Stop after this many messages were applied or dead-lettered. */
  count?: number;
  /** Stop when nothing arrived for this long. */
  idleExitMs?: number;
  stop: FeedStop;
  /** Where the progress line goes (stderr). */
  progressTo: NodeJS.WriteStream;
  /** Prints a line on stderr. */
  say(line: string): void;
}

export async function runFeed(plan: FeedPlan, r: FeedRun): Promise<FeedSummary> {
  const { client, stop } = r;
  const method = plan.method;
  const cluster = r.durable?.zk ? await openDurable(plan, r, r.durable.zk) : undefined;
  if (r.durable && !cluster) r.say('--durable with -s: a single server has no MIX to wait for; messages are acknowledged after apply');
  const budget = new AwaitBudget(r.durable?.awaitMerge);
  // Messages being applied plus those waiting for a MIX: the input's concurrency (AMQP prefetch).
  const inFlight = (): number => r.inFlight + (cluster ? budget.limit : 0);
  const feed = new Feed({
    map: plan.map, apply: (args) => client.call(method, ...args), retryForMs: r.retryForMs,
    durable: cluster && {
      applyOn: (args) => cluster.apply(args),
      awaitMerge: (servers) => cluster.awaitMerge(servers, plan.idempotent),
      maxApplying: r.inFlight,
    },
  });
  r.say(`feeding ${plan.input} → ${method} on ${r.targetLabel}${r.clusterName ? ` (cluster ${r.clusterName})` : ''}`);

  const started = Date.now();
  const durableNote = (): string => cluster!.waitNote(feed.stats.awaiting, budget.limit);
  const sizing = cluster && budget.sized ? setInterval(() => budget.update(feed.stats.applied, feed.stats.awaiting, cluster.mixTriggers()), AWAIT_MERGE_SAMPLE_MS) : undefined;
  sizing?.unref();
  const progress = new ProgressLine(r.progressTo, () => feed.stats.applied, (rate) =>
    formatProgress(feed.stats, Date.now() - started, rate, cluster ? durableNote() : undefined));
  let lastArrival = Date.now();
  const handle = async (body: string) => {
    lastArrival = Date.now();
    const outcome = await feed.process(body);
    if (r.count && feed.done >= r.count) stop.request('count reached');
    return outcome;
  };
  if (r.idleExitMs) {
    const idleMs = r.idleExitMs;
    stop.when(() => feed.stats.inFlight - feed.stats.awaiting === 0 && Date.now() - lastArrival >= idleMs, 'idle');
  }
  // Stopped with messages still waiting for a MIX: said once, with what they waited for.
  let waited = '';
  const stopFeed = (): void => {
    if (cluster && feed.stats.awaiting > 0) waited = `stopped while ${feed.stats.awaiting} message(s) waited for a MIX: ${durableNote() || 'none came'}`;
    feed.stop();
  };
  progress.start();
  let notApplied = 0;
  try {
    if (plan.amqp) {
      const consumer = consumeAmqp({
        url: plan.amqp.url, queue: plan.amqp.queue, deadLetterQueue: plan.amqp.deadLetterQueue, prefetch: inFlight,
        onState: (s) => progress.note(s),
      }, handle);
      await stop.stopped;
      stopFeed();
      await consumer.stop();
      notApplied = feed.stats.received - feed.done;
    } else {
      const signal = { stopped: false };
      void stop.stopped.then(() => {
        signal.stopped = true;
        stopFeed();
      });
      const input = plan.file === '-' ? process.stdin : fs.createReadStream(plan.file!);
      const result = await consumeJsonl({ input, inFlight, deadLetterFile: plan.deadLetterTo, signal }, handle);
      notApplied = result.notApplied;
      if (plan.file === '-') process.stdin.destroy();
    }
  } finally {
    if (sizing) clearInterval(sizing);
    progress.stop();
    if (waited) r.say(waited);
    cluster?.close();
  }
  const seconds = (Date.now() - started) / 1000;
  const s = feed.stats;
  const summary: FeedSummary = {
    input: plan.input, target: r.target, method,
    received: s.received, applied: s.applied, deadLettered: s.deadLettered, deadLetterTo: plan.deadLetterTo,
    retries: s.retries, notApplied, seconds: Math.round(seconds * 10) / 10,
    perSecond: seconds > 0 ? Math.round(s.applied / seconds) : 0,
  };
  if (r.durable) {
    summary.durable = cluster ? 'merge' : 'apply';
    if (cluster) {
      summary.merged = s.merged;
      summary.resent = s.resent;
      summary.resentWhy = s.resentWhy;
      summary.ackAfterApply = [...cluster.tracker.fallbackServers].sort();
      summary.awaitMerge = budget.limit;
    }
  }
  return summary;
}

/** The cluster --durable watches; the ZooKeeper client loads only here (a plain feed talks to a proxy or server). */
async function openDurable(plan: FeedPlan, r: FeedRun, zk: { hosts: string; timeoutSec: number; name?: string }): Promise<DurableCluster> {
  const [{ DurableCluster }, { withSession }, { onlyCluster }] = await Promise.all([
    import('./durable.js'), import('../cluster/session.js'), import('../cluster/cluster-types.js'),
  ]);
  const name = zk.name || (await withSession(zk.hosts, zk.timeoutSec, (c) => onlyCluster(c))).name;
  const cluster = new DurableCluster({
    zkHosts: zk.hosts, zkTimeoutMs: zk.timeoutSec * 1000, type: r.type, name, descriptor: r.descriptor,
    method: r.descriptor.methods.get(plan.method)!, callTimeoutMs: r.callTimeoutMs,
  });
  await cluster.start();
  return cluster;
}
