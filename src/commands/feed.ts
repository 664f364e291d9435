import fs from 'node:fs';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { StopRequest } from '../cli/stop-request.js';
import { callFlags, clientFor, describeTarget, resolveService, targetFor } from '../cli/call-session.js';
import { JubaError } from '../errors.js';
import { amqpUrlFor, consumeAmqp, redactUrl } from '../stream/amqp-input.js';
import { createMapper, Feed, formatProgress } from '../stream/feed.js';
import { presetsOf } from '../control/engine-presets.js';
import { engineFactory, engineTypes } from '../engine/registry.js';
import { consumeJsonl } from '../stream/jsonl-input.js';
import { ProgressLine } from '../stream/progress.js';
import type { DurableCluster } from '../stream/durable.js';
import { AWAIT_MERGE_CEILING, AWAIT_MERGE_FLOOR, AWAIT_MERGE_SAMPLE_MS, AwaitBudget } from '../stream/await-budget.js';

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

/** Each shipped engine's default mapping, for the help text: `nearest_neighbor: ["id1", {…}] → set_row`. */
function feedDefaults(): string {
  return engineTypes().map((t) => {
    const f = engineFactory(t).presets.feed;
    return `${t}: ${f.example} → ${f.wrap ? `${f.method}([message])` : f.method}`;
  }).join(';\n');
}

export default class FeedCommand extends BaseCommand {
  static override summary = 'Apply a stream of messages to a cluster: a RabbitMQ queue, or JSON lines from a file or stdin.';
  static override description = `Each message becomes one update call, the engine's own by default:
${feedDefaults()}.
--map METHOD picks another method, whose arguments a message gives as a JSON array in order or a
JSON object keyed by parameter name.
A queue message is acknowledged only after the cluster accepted it, so nothing is lost when
juba or a server dies mid-stream: unacknowledged messages are delivered again. While the
cluster fails, messages are retried with backoff (--retry-for). Messages that can never apply
(not JSON, wrong types, rejected by the server) go to a dead-letter queue or file with the reason;
with --file, any dead-lettered line makes the exit code 5.`;

  static override examples = [
    '<%= config.bin %> feed --amqp amqp://127.0.0.1 --queue sensor -t nearest_neighbor -n sensor_nn -s 127.0.0.1:9199',
    '<%= config.bin %> source --count 1000 | <%= config.bin %> feed -t nearest_neighbor -s 127.0.0.1:9199',
    '<%= config.bin %> feed -f rows.jsonl --map set_row -t nearest_neighbor -s 127.0.0.1:9199 --json',
    '<%= config.bin %> feed -f labelled.jsonl -n shogun -z 127.0.0.1:2181',
  ];

  static override enableJsonFlag = true;

  static override flags = {
    ...callFlags,
    type: Flags.string({ char: 't', description: 'engine type (default: the type ZooKeeper has for -n, or the one the server reports; with --idl, the IDL\'s service name)' }),
    amqp: Flags.string({ description: 'RabbitMQ URL to consume from, e.g. amqp://user:pass@127.0.0.1:5672 (else $JUBA_AMQP when --queue is given)', exclusive: ['file'] }),
    queue: Flags.string({ char: 'q', description: 'queue to consume (with --amqp); declared durable if missing' }),
    file: Flags.string({ char: 'f', description: 'JSON lines to apply, one message per line; - for stdin (the default when stdin is not a terminal)' }),
    map: Flags.string({ description: 'update method each message calls (default: the engine\'s own, listed above)' }),
    'in-flight': Flags.integer({ default: 64, min: 1, max: 10_000, description: 'most messages being applied at once (the AMQP prefetch)' }),
    'retry-for': Flags.integer({ default: 300, min: 0, description: 'seconds to keep retrying a message while the cluster fails before dead-lettering it (0 = forever)' }),
    'dead-letter': Flags.string({ description: 'queue for poison messages (default: QUEUE.dead)' }),
    'dead-letter-file': Flags.string({ description: 'file for poison lines of --file input (default: FILE.dead.jsonl, or feed.dead.jsonl for stdin)' }),
    count: Flags.integer({ min: 1, description: 'stop after this many messages were applied or dead-lettered' }),
    'idle-exit': Flags.integer({ min: 1, description: 'stop when no message arrived for this many seconds' }),
    duration: Flags.integer({ min: 1, description: 'stop after this many seconds' }),
    durable: Flags.boolean({ default: false, allowNo: true, description: 'with -z: a message is done (acked, or a line counted) only once a completed MIX round holds it; updates a lost server never merged are sent again. With -s: acknowledged after apply' }),
    'await-merge': Flags.integer({ min: 1, description: `--durable: most messages applied and waiting for a MIX at once; beyond that the feed waits (and the AMQP prefetch is --in-flight plus this). Default: one MIX interval at the measured feed rate, rows/s × (interval_sec + 1) with the interval read from the servers' get_status, doubled while it is full, at least ${AWAIT_MERGE_FLOOR.toLocaleString('en')} and at most ${AWAIT_MERGE_CEILING.toLocaleString('en')}` }),
  };

  async run(): Promise<FeedSummary> {
    const { flags: f } = await this.parse(FeedCommand);
    const { type, descriptor } = await resolveService(f);
    const preset = f.map ? undefined : presetsOf(type)?.feed;
    const method = f.map ?? preset?.method;
    if (!method) {
      throw new JubaError(`no default update method for ${type}`, {
        code: 'usage',
        hint: `pass --map METHOD, one of: ${[...descriptor.methods.keys()].sort().join(', ')}`,
      });
    }
    const map = createMapper(descriptor, method, preset?.wrap ?? false);
    const amqpUrl = amqpUrlFor(f.amqp, f.queue);
    const file = amqpUrl ? undefined : (f.file ?? (process.stdin.isTTY ? undefined : '-'));
    if (!amqpUrl && !file) {
      throw new JubaError('nothing to feed from', {
        code: 'usage',
        hint: 'pass --amqp URL --queue NAME, or -f FILE (or pipe JSON lines into stdin)',
      });
    }
    if (file && file !== '-' && !fs.existsSync(file)) {
      throw new JubaError(`no such file: ${file}`, { code: 'not_found' });
    }
    const target = await targetFor(f, type);
    const client = clientFor(descriptor, target, f);
    const zkHosts = f.server ? undefined : (f.zookeeper || process.env.JUBA_ZK);
    let cluster: DurableCluster | undefined;
    let durableMode: 'merge' | 'apply' | undefined;
    if (f.durable && zkHosts) {
      // The ZooKeeper client loads only for --durable (a plain feed talks to a proxy or server).
      const [{ DurableCluster }, { withZk }, { onlyCluster }] = await Promise.all([
        import('../stream/durable.js'), import('../cluster/config-store.js'), import('../cluster/cluster-types.js'),
      ]);
      const name = f.name || (await withZk(zkHosts, f.zookeeper_timeout, (zk) => onlyCluster(zk))).name;
      cluster = new DurableCluster({
        zkHosts, zkTimeoutMs: f.zookeeper_timeout * 1000, type, name, descriptor,
        method: descriptor.methods.get(method)!, callTimeoutMs: f.timeout * 1000,
      });
      await cluster.start();
      durableMode = 'merge';
    } else if (f.durable) {
      durableMode = 'apply';
      process.stderr.write('--durable with -s: a single server has no MIX to wait for; messages are acknowledged after apply\n');
    }
    const idempotent = preset ? preset.idempotent === true : IDEMPOTENT_METHODS.has(method);
    const budget = new AwaitBudget(f['await-merge']);
    // Messages being applied plus those waiting for a MIX: the input's concurrency (AMQP prefetch).
    const inFlight = (): number => f['in-flight'] + (cluster ? budget.limit : 0);
    const feed = new Feed({
      map, apply: (args) => client.call(method, ...args), retryForMs: f['retry-for'] * 1000,
      durable: cluster && {
        applyOn: (args) => cluster!.apply(args),
        awaitMerge: (servers) => cluster!.awaitMerge(servers, idempotent),
        maxApplying: f['in-flight'],
      },
    });
    const input = amqpUrl ? `${redactUrl(amqpUrl)} queue ${f.queue}` : file === '-' ? 'stdin' : file!;
    const deadLetterTo = amqpUrl
      ? `queue ${f['dead-letter'] ?? `${f.queue}.dead`}`
      : f['dead-letter-file'] ?? (file === '-' ? 'feed.dead.jsonl' : `${file}.dead.jsonl`);
    process.stderr.write(`feeding ${input} → ${method} on ${describeTarget(target)}${f.name ? ` (cluster ${f.name})` : ''}\n`);

    const started = Date.now();
    const durableNote = (): string => cluster!.waitNote(feed.stats.awaiting, budget.limit);
    const sizing = cluster && budget.sized ? setInterval(() => budget.update(feed.stats.applied, feed.stats.awaiting, cluster!.mixTriggers()), AWAIT_MERGE_SAMPLE_MS) : undefined;
    sizing?.unref();
    const progress = new ProgressLine(process.stderr, () => feed.stats.applied, (rate) =>
      formatProgress(feed.stats, Date.now() - started, rate, cluster ? durableNote() : undefined));
    let lastArrival = Date.now();
    const stop = new StopRequest();
    const handle = async (body: string) => {
      lastArrival = Date.now();
      const outcome = await feed.process(body);
      if (f.count && feed.done >= f.count) stop.request('count reached');
      return outcome;
    };
    stop.after(f.duration, 'duration reached');
    if (f['idle-exit']) {
      const idleMs = f['idle-exit'] * 1000;
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
      if (amqpUrl) {
        const consumer = consumeAmqp({
          url: amqpUrl, queue: f.queue!, deadLetterQueue: f['dead-letter'] ?? `${f.queue}.dead`, prefetch: inFlight,
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
        const input$ = file === '-' ? process.stdin : fs.createReadStream(file!);
        const r = await consumeJsonl({ input: input$, inFlight, deadLetterFile: deadLetterTo, signal }, handle);
        notApplied = r.notApplied;
        if (file === '-') process.stdin.destroy();
      }
    } finally {
      if (sizing) clearInterval(sizing);
      stop.dispose();
      progress.stop();
      if (waited) process.stderr.write(`${waited}\n`);
      client.close();
      cluster?.close();
    }
    const seconds = (Date.now() - started) / 1000;
    const s = feed.stats;
    const summary: FeedSummary = {
      input, target: `${target.host}:${target.port}`, method,
      received: s.received, applied: s.applied, deadLettered: s.deadLettered, deadLetterTo,
      retries: s.retries, notApplied, seconds: Math.round(seconds * 10) / 10,
      perSecond: seconds > 0 ? Math.round(s.applied / seconds) : 0,
    };
    if (durableMode) {
      summary.durable = durableMode;
      if (cluster) {
        summary.merged = s.merged;
        summary.resent = s.resent;
        summary.resentWhy = s.resentWhy;
        summary.ackAfterApply = [...cluster.tracker.fallbackServers].sort();
        summary.awaitMerge = budget.limit;
      }
    }
    if (!this.jsonEnabled()) {
      this.log(`applied ${s.applied} of ${s.received} message(s) in ${summary.seconds} s (${summary.perSecond}/s)`);
      if (s.deadLettered) this.log(`dead-lettered ${s.deadLettered} to ${deadLetterTo}`);
      if (notApplied) this.log(`not applied ${notApplied} (stopped while retrying; ${amqpUrl ? 'left in the queue' : 'not read again'})`);
      if (s.retries) this.log(`retried ${s.retries} call(s)`);
      if (cluster) {
        this.log(`merged ${s.merged} (done only once a completed MIX round held them); re-sent ${s.resent}`);
        for (const [why, n] of Object.entries(s.resentWhy)) this.log(`  re-sent ${n}: ${why}`);
        const fb = cluster.tracker.fallbackServers;
        if (fb.size) this.log(`acknowledged after apply on ${[...fb].sort().join(', ')}: no juba mix.* status keys (Jubatus 1.1.1?)`);
      }
    }
    if (!amqpUrl && s.deadLettered > 0) {
      // A batch that did not fully apply must not look like success to a script; a queue
      // consumer routes poison by design and exits 0.
      if (this.jsonEnabled()) this.logJson(summary);
      throw new JubaError(`${s.deadLettered} line(s) could not be applied; they are in ${deadLetterTo} with the reason`, { code: 'partial' });
    }
    return summary;
  }
}
