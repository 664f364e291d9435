/**
 * `juba source`'s work: the sensor stream (sensor-source.ts) paced to --speed, to a RabbitMQ
 * queue (publishes confirmed, a bounded window of them in flight) or as JSON lines to a
 * writable stream (waiting for it to drain). Stops at the count, when `stopped()` says so, when
 * the output closes, or on a failed publish.
 */
import { JubaError } from '../errors.js';
import { openPublisher, redactUrl } from './amqp-input.js';
import { Pacer } from './pacer.js';
import { ProgressLine } from './progress.js';
import { SensorSource } from './sensor-source.js';

export interface SourceSummary {
  to: string;
  sent: number;
  seconds: number;
  perSecond: number;
  seed: number;
}

export interface PublishSensorOptions {
  /** Messages to send; 0 = until stopped. */
  count: number;
  /** Messages per second; 0 = as fast as the output takes them. */
  speed: number;
  seed: number;
  firstId: number;
  /** The queue to publish to; without it the lines go to `out`. */
  amqp?: { url: string; queue: string };
  out: NodeJS.WriteStream;
  /** Where the progress line of a queue run goes. */
  progressTo: NodeJS.WriteStream;
  stopped(): boolean;
}

/** Unconfirmed publishes allowed at once: enough to keep the broker busy, bounded in memory. */
const PUBLISH_WINDOW = 256;

function sensorTarget(amqp: PublishSensorOptions['amqp']): string {
  return amqp ? `${redactUrl(amqp.url)} queue ${amqp.queue}` : 'stdout';
}

export async function publishSensorStream(o: PublishSensorOptions): Promise<SourceSummary> {
  const source = new SensorSource({ seed: o.seed, firstId: o.firstId });
  const to = sensorTarget(o.amqp);
  let publisher: Awaited<ReturnType<typeof openPublisher>> | undefined;
  if (o.amqp) {
    try {
      publisher = await openPublisher(o.amqp.url, o.amqp.queue);
    } catch (err) {
      throw new JubaError(`cannot publish to RabbitMQ at ${redactUrl(o.amqp.url)}: ${(err as Error).message}`, {
        code: 'unreachable',
        hint: 'is rabbitmq-server running and the URL right (amqp://user:pass@host:5672)?',
      });
    }
  }
  let sent = 0;
  const started = Date.now();
  const progress = new ProgressLine(o.progressTo, () => sent, (rate) =>
    `sent ${sent}${o.count ? ` of ${o.count}` : ''} · ${rate.toFixed(0)}/s · ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (publisher) progress.start();
  const pacer = new Pacer(o.speed);
  const pending = new Set<Promise<void>>();
  let publishError: Error | undefined;
  let outClosed = false;
  // Left on afterwards too: a reader that goes away late (EPIPE) must not crash the process.
  o.out.on('error', () => {
    outClosed = true;
  });
  try {
    while (!o.stopped() && !outClosed && !publishError && (o.count === 0 || sent < o.count)) {
      await pacer.next();
      const line = JSON.stringify(source.next());
      if (publisher) {
        const p = publisher.publish(line).catch((err: Error) => { publishError = err; }).finally(() => pending.delete(p));
        pending.add(p);
        if (pending.size >= PUBLISH_WINDOW) await Promise.race(pending);
      } else if (!o.out.write(`${line}\n`)) await drained(o.out);
      sent++;
    }
    await Promise.all([...pending]);
  } finally {
    progress.stop();
    await publisher?.close();
  }
  if (publishError) {
    throw new JubaError(`publishing to ${to} failed after ${sent} message(s): ${publishError.message}`, { code: 'failed' });
  }
  const seconds = (Date.now() - started) / 1000;
  return { to, sent, seconds: Math.round(seconds * 10) / 10, perSecond: seconds > 0 ? Math.round(sent / seconds) : 0, seed: o.seed };
}

/** Resolves when `out` drained, or failed (a closed pipe ends the run through its error). */
function drained(out: NodeJS.WriteStream): Promise<void> {
  return new Promise<void>((r) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('error', done);
      r();
    };
    out.on('drain', done);
    out.on('error', done);
  });
}
