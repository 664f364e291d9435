import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { StopRequest } from '../cli/stop-request.js';
import { callFlags, clientFor, describeTarget, resolveService, targetFor } from '../cli/call-session.js';
import { JubaError } from '../errors.js';
import { amqpUrlFor } from '../stream/amqp-input.js';
import { engineFactory, engineTypes } from '../engine/registry.js';
import { planFeed, runFeed, type FeedSummary } from '../stream/run-feed.js';
import { AWAIT_MERGE_CEILING, AWAIT_MERGE_FLOOR } from '../stream/await-budget.js';

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
    const plan = planFeed({
      type, descriptor, map: f.map, amqpUrl: amqpUrlFor(f.amqp, f.queue), queue: f.queue, file: f.file,
      stdinIsTTY: Boolean(process.stdin.isTTY), deadLetter: f['dead-letter'], deadLetterFile: f['dead-letter-file'],
    });
    const target = await targetFor(f, type);
    const client = clientFor(descriptor, target, f);
    const zkHosts = f.server ? undefined : (f.zookeeper || process.env.JUBA_ZK);
    const stop = new StopRequest();
    stop.after(f.duration, 'duration reached');
    let summary: FeedSummary;
    try {
      summary = await runFeed(plan, {
        client, target: `${target.host}:${target.port}`, targetLabel: describeTarget(target), clusterName: f.name || undefined,
        durable: f.durable ? { zk: zkHosts ? { hosts: zkHosts, timeoutSec: f.zookeeper_timeout, name: f.name } : undefined, awaitMerge: f['await-merge'] } : undefined,
        type, descriptor, callTimeoutMs: f.timeout * 1000, inFlight: f['in-flight'], retryForMs: f['retry-for'] * 1000,
        count: f.count, idleExitMs: f['idle-exit'] ? f['idle-exit'] * 1000 : undefined, stop,
        progressTo: process.stderr, say: (line) => process.stderr.write(`${line}\n`),
      });
    } finally {
      stop.dispose();
      client.close();
    }
    const s = summary;
    if (!this.jsonEnabled()) {
      this.log(`applied ${s.applied} of ${s.received} message(s) in ${s.seconds} s (${s.perSecond}/s)`);
      if (s.deadLettered) this.log(`dead-lettered ${s.deadLettered} to ${s.deadLetterTo}`);
      if (s.notApplied) this.log(`not applied ${s.notApplied} (stopped while retrying; ${plan.amqp ? 'left in the queue' : 'not read again'})`);
      if (s.retries) this.log(`retried ${s.retries} call(s)`);
      if (s.durable === 'merge') {
        this.log(`merged ${s.merged} (done only once a completed MIX round held them); re-sent ${s.resent}`);
        for (const [why, n] of Object.entries(s.resentWhy ?? {})) this.log(`  re-sent ${n}: ${why}`);
        if (s.ackAfterApply?.length) this.log(`acknowledged after apply on ${s.ackAfterApply.join(', ')}: no juba mix.* status keys (Jubatus 1.1.1?)`);
      }
    }
    if (!plan.amqp && s.deadLettered > 0) {
      // A batch that did not fully apply must not look like success to a script; a queue
      // consumer routes poison by design and exits 0.
      if (this.jsonEnabled()) this.logJson(summary);
      throw new JubaError(`${s.deadLettered} line(s) could not be applied; they are in ${s.deadLetterTo} with the reason`, { code: 'partial' });
    }
    return summary;
  }
}
