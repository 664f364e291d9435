/**
 * Stream throughput with real processes on loopback: `juba source` publishing to a real
 * RabbitMQ, `juba feed` consuming it into a standalone server (ack after apply, prefetch 64),
 * and the same rows as JSON lines through stdin. Prints one JSON object of figures.
 */
import { spawn } from 'node:child_process';
import { freePort, JUBA, killStarted, runJuba, runJubaToEnd } from '../test/harness/processes.js';
import { startRabbitMq } from '../test/harness/rabbitmq.js';

const N = Number(process.env.FEED_ROWS ?? 50_000);

async function pipeSourceToFeed(port: number): Promise<{ applied: number; perSecond: number }> {
  // A shell pipe, as a user types it; both ends are this package's bin.
  const cmd = `"${process.execPath}" "${JUBA}" source --count ${N} --seed 3 | "${process.execPath}" "${JUBA}" feed -s 127.0.0.1:${port} --json`;
  const p = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  await new Promise((r) => p.on('exit', r));
  return JSON.parse(out) as { applied: number; perSecond: number };
}

async function main(): Promise<void> {
  const mq = await startRabbitMq();
  const port = await freePort();
  const server = runJuba(['serve', 'nearest_neighbor', '-f', 'config/nearest_neighbor/sensor.json', '-p', String(port), '-b', '127.0.0.1']);
  try {
    await server.waitForLog(/juba server started/);
    const pub = await runJubaToEnd(['source', '--count', String(N), '--amqp', mq.url, '--queue', 'bench', '--json']);
    if (pub.code !== 0) throw new Error(pub.stderr);
    const published = JSON.parse(pub.stdout) as { perSecond: number };
    const feed = await runJubaToEnd(['feed', '--amqp', mq.url, '--queue', 'bench', '-s', `127.0.0.1:${port}`, '--count', String(N), '--in-flight', process.env.FEED_IN_FLIGHT ?? '64', '--json']);
    if (feed.code !== 0) throw new Error(feed.stderr);
    const fed = JSON.parse(feed.stdout) as { applied: number; perSecond: number };
    const jsonl = await pipeSourceToFeed(port);
    console.log(JSON.stringify({
      bench: 'feed',
      rows: N,
      sourcePublishPerSec: published.perSecond,
      amqpFeedAppliedPerSec: fed.perSecond,
      amqpFeedApplied: fed.applied,
      jsonlPipeAppliedPerSec: jsonl.perSecond,
    }));
  } finally {
    await server.stop();
    killStarted();
    await mq.destroy();
  }
}

await main();
