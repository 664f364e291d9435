/**
 * `juba feed --amqp`: consume a RabbitMQ queue with manual acknowledgement. A message is acked
 * only after the cluster applied it (or after it was safely published to the dead-letter queue),
 * at most `prefetch` are unacknowledged at once, and a lost broker connection is reopened with
 * backoff; whatever was unacknowledged then is redelivered by the broker.
 */
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { backoffDelay, RECONNECT, Sleeper } from '../backoff.js';
import { JubaError } from '../errors.js';
import type { Outcome } from './feed.js';

/** amqplib, loaded on the first connection: feeding a file or printing to stdout never loads it. */
async function amqplib(): Promise<typeof import('amqplib')> {
  return (await import('amqplib')).default;
}

export interface AmqpInputOptions {
  url: string;
  queue: string;
  deadLetterQueue: string;
  /**
   * Most unacknowledged messages at once; a function is asked again every second and the
   * channel's limit follows it (a per-channel basic.qos, which RabbitMQ applies at once).
   */
  prefetch: number | (() => number);
  /** Reports connection state changes ('connected', 'reconnecting in 2 s: …'). */
  onState?(state: string): void;
}

export interface AmqpInput {
  /** Resolves when stop() was called and every message in hand was settled. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/** Declares the queue as both producer and consumer do (durable), so either may start first. */
export async function assertStreamQueue(ch: { assertQueue: ConfirmChannel['assertQueue'] }, queue: string): Promise<void> {
  await ch.assertQueue(queue, { durable: true });
}

/**
 * The broker URL of a queue command: --amqp, else $JUBA_AMQP when a --queue is named (so an
 * exported $JUBA_AMQP never turns a file or pipe command into a queue one). A queue without a
 * broker, or a broker without a queue, is a usage error. Undefined: no queue at all.
 */
export function amqpUrlFor(flagUrl: string | undefined, queue: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = flagUrl ?? (queue ? env.JUBA_AMQP : undefined);
  if (url && !queue) throw new JubaError('--amqp needs --queue NAME', { code: 'usage', hint: 'e.g. --queue sensor' });
  if (queue && !url) throw new JubaError('--queue needs --amqp URL (or $JUBA_AMQP)', { code: 'usage' });
  return url;
}

/** Hides the password of an AMQP URL for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}

export function consumeAmqp(opts: AmqpInputOptions, handle: (body: string) => Promise<Outcome>): AmqpInput {
  let stopping = false;
  let conn: ChannelModel | undefined;
  const sleeper = new Sleeper();
  /** Failed connections since the last good one: the reconnect backoff's attempt. */
  let failures = 0;
  const inHand = new Set<Promise<void>>();
  let stopConsuming: (() => Promise<void>) | undefined;

  const settle = async (ch: ConfirmChannel, msg: ConsumeMessage): Promise<void> => {
    const outcome = await handle(msg.content.toString('utf8'));
    try {
      if (outcome.kind === 'applied') ch.ack(msg);
      else if (outcome.kind === 'dead') {
        ch.sendToQueue(opts.deadLetterQueue, msg.content, {
          persistent: true,
          contentType: msg.properties.contentType,
          headers: { ...msg.properties.headers, 'x-juba-reason': outcome.reason, 'x-juba-source-queue': opts.queue },
        });
        await ch.waitForConfirms();
        ch.ack(msg);
      }
      // 'stopped': left unacknowledged; the broker redelivers it when the channel closes.
    } catch {
      // The channel closed while the cluster call ran: the broker redelivers the message.
    }
  };

  const session = async (): Promise<void> => {
    conn = await (await amqplib()).connect(opts.url);
    const closed = new Promise<Error | undefined>((resolve) => {
      conn!.on('close', (err?: Error) => resolve(err));
      conn!.on('error', () => undefined); // 'close' follows and carries the reason
    });
    const ch = await conn.createConfirmChannel();
    ch.on('error', () => undefined);
    await assertStreamQueue(ch, opts.queue);
    await assertStreamQueue(ch, opts.deadLetterQueue);
    const prefetchNow = (): number => (typeof opts.prefetch === 'function' ? opts.prefetch() : opts.prefetch);
    let prefetch = prefetchNow();
    await ch.prefetch(prefetch, true);
    const resize = setInterval(() => {
      const want = prefetchNow();
      if (want === prefetch) return;
      prefetch = want;
      void ch.prefetch(want, true).catch(() => undefined);
    }, 1000);
    resize.unref();
    void closed.finally(() => clearInterval(resize));
    const { consumerTag } = await ch.consume(opts.queue, (msg) => {
      if (!msg) return; // cancelled by the broker (queue deleted): 'close' or stop follows
      const p = settle(ch, msg).finally(() => inHand.delete(p));
      inHand.add(p);
    }, { noAck: false });
    stopConsuming = async () => {
      await ch.cancel(consumerTag).catch(() => undefined);
    };
    failures = 0;
    opts.onState?.('connected');
    const err = await closed;
    stopConsuming = undefined;
    conn = undefined;
    if (!stopping) throw err ?? new Error('connection closed by the broker');
  };

  const done = (async () => {
    while (!stopping) {
      try {
        await session();
      } catch (err) {
        if (stopping) break;
        const delay = backoffDelay(++failures, RECONNECT);
        opts.onState?.(`RabbitMQ at ${redactUrl(opts.url)}: ${(err as Error).message}; reconnecting in ${(delay / 1000).toFixed(1)} s`);
        await sleeper.sleep(delay);
      }
    }
  })();

  return {
    done,
    async stop() {
      stopping = true;
      sleeper.wake();
      await stopConsuming?.();
      await Promise.all([...inHand]);
      await conn?.close().catch(() => undefined);
      await done;
    },
  };
}

/** Publishes messages to a durable queue with publisher confirms (for `juba source --amqp`). */
export async function openPublisher(url: string, queue: string): Promise<{
  publish(body: string): Promise<void>;
  close(): Promise<void>;
}> {
  const conn = await (await amqplib()).connect(url);
  conn.on('error', () => undefined);
  const ch = await conn.createConfirmChannel();
  await assertStreamQueue(ch, queue);
  return {
    async publish(body: string) {
      await new Promise<void>((resolve, reject) => {
        ch.sendToQueue(queue, Buffer.from(body), { persistent: true, contentType: 'application/json' }, (err) =>
          err ? reject(err) : resolve(),
        );
      });
    },
    async close() {
      await ch.waitForConfirms().catch(() => undefined);
      await conn.close().catch(() => undefined);
    },
  };
}
