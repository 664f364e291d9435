import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { StopRequest } from '../cli/stop-request.js';
import { JubaError } from '../errors.js';
import { amqpUrlFor, openPublisher, redactUrl } from '../stream/amqp-input.js';
import { Pacer } from '../stream/pacer.js';
import { ProgressLine } from '../stream/progress.js';
import { SENSOR_CLUSTERS, SENSOR_SIGMA, SensorSource } from '../stream/sensor-source.js';

export interface SourceSummary {
  to: string;
  sent: number;
  seconds: number;
  perSecond: number;
  seed: number;
}

/** Unconfirmed publishes allowed at once: enough to keep the broker busy, bounded in memory. */
const PUBLISH_WINDOW = 256;

export default class Source extends BaseCommand {
  static override summary = 'Generate the hands-on sensor stream: points from 27 Gaussian clusters in 3-D, to a RabbitMQ queue or stdout.';
  static override description = `Each message is [id, {"x": …, "y": …, "z": …, "gp": "xyz"}]: ids count up from --first-id, the point
comes from the cluster centred on (x, y, z) with coordinates in {0, 1, 2} (σ ${SENSOR_SIGMA}), and gp names that
cluster so neighbours can be checked. The same --seed gives the same stream. Without --amqp the
messages go to stdout as JSON lines, ready for \`juba feed\`.`;

  static override examples = [
    '<%= config.bin %> source --count 10000 --amqp amqp://127.0.0.1 --queue sensor',
    '<%= config.bin %> source --count 1000 --speed 100 | <%= config.bin %> feed -t nearest_neighbor -s 127.0.0.1:9199',
    '<%= config.bin %> source --count 0 --speed 50 --amqp amqp://127.0.0.1 --queue sensor   # until Ctrl-C',
  ];

  static override enableJsonFlag = true;

  static override flags = {
    count: Flags.integer({ char: 'c', default: 10_000, min: 0, description: 'messages to send (0 = until interrupted)' }),
    speed: Flags.integer({ default: 0, min: 0, description: 'messages per second (0 = as fast as the output takes them)' }),
    seed: Flags.integer({ default: 1, description: 'random seed: the same seed gives the same stream' }),
    'first-id': Flags.integer({ default: 0, min: 0, description: 'id of the first message' }),
    amqp: Flags.string({ description: 'RabbitMQ URL to publish to (else $JUBA_AMQP when --queue is given)' }),
    queue: Flags.string({ char: 'q', description: 'queue to publish to (declared durable if missing)' }),
  };

  async run(): Promise<SourceSummary> {
    const { flags: f } = await this.parse(Source);
    const url = amqpUrlFor(f.amqp, f.queue);
    if (!url && this.jsonEnabled()) {
      throw new JubaError('--json needs --amqp: without it stdout carries the messages themselves', { code: 'usage' });
    }
    if (!url && f.count === 0 && f.speed === 0 && process.stdout.isTTY) {
      throw new JubaError('refusing to print an endless unthrottled stream to a terminal', {
        code: 'usage',
        hint: 'give --count N or --speed N, or pipe it into `juba feed`',
      });
    }
    const source = new SensorSource({ seed: f.seed, firstId: f['first-id'] });
    const to = url ? `${redactUrl(url)} queue ${f.queue}` : 'stdout';
    let publisher: Awaited<ReturnType<typeof openPublisher>> | undefined;
    if (url) {
      try {
        publisher = await openPublisher(url, f.queue!);
      } catch (err) {
        throw new JubaError(`cannot publish to RabbitMQ at ${redactUrl(url)}: ${(err as Error).message}`, {
          code: 'unreachable',
          hint: 'is rabbitmq-server running and the URL right (amqp://user:pass@host:5672)?',
        });
      }
    }

    let sent = 0;
    const stop = new StopRequest();
    const started = Date.now();
    const progress = new ProgressLine(process.stderr, () => sent, (rate) =>
      `sent ${sent}${f.count ? ` of ${f.count}` : ''} · ${rate.toFixed(0)}/s · ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (url) progress.start();
    const pacer = new Pacer(f.speed);
    const pending = new Set<Promise<void>>();
    let publishError: Error | undefined;
    let stdoutClosed = false;
    process.stdout.on('error', () => { stdoutClosed = true; });
    try {
      while (stop.reason === undefined && !stdoutClosed && !publishError && (f.count === 0 || sent < f.count)) {
        await pacer.next();
        const line = JSON.stringify(source.next());
        if (publisher) {
          const p = publisher.publish(line).catch((err: Error) => { publishError = err; }).finally(() => pending.delete(p));
          pending.add(p);
          if (pending.size >= PUBLISH_WINDOW) await Promise.race(pending);
        } else if (!process.stdout.write(`${line}\n`)) {
          await new Promise<void>((r) => {
            const done = (): void => {
              process.stdout.off('drain', done);
              process.stdout.off('error', done);
              r();
            };
            process.stdout.on('drain', done);
            process.stdout.on('error', done);
          });
        }
        sent++;
      }
      await Promise.all([...pending]);
    } finally {
      progress.stop();
      stop.dispose();
      await publisher?.close();
    }
    if (publishError) {
      throw new JubaError(`publishing to ${to} failed after ${sent} message(s): ${publishError.message}`, { code: 'failed' });
    }
    const seconds = (Date.now() - started) / 1000;
    const summary: SourceSummary = { to, sent, seconds: Math.round(seconds * 10) / 10, perSecond: seconds > 0 ? Math.round(sent / seconds) : 0, seed: f.seed };
    if (url && !this.jsonEnabled()) {
      this.log(`sent ${sent} message(s) from ${SENSOR_CLUSTERS} clusters to ${to} in ${summary.seconds} s (${summary.perSecond}/s)`);
    }
    return summary;
  }
}
