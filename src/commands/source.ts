import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { StopRequest } from '../cli/stop-request.js';
import { JubaError } from '../errors.js';
import { amqpUrlFor } from '../stream/amqp-input.js';
import { publishSensorStream, type SourceSummary } from '../stream/sensor-publish.js';
import { SENSOR_CLUSTERS, SENSOR_SIGMA } from '../stream/sensor-source.js';

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
    const stop = new StopRequest();
    let summary: SourceSummary;
    try {
      summary = await publishSensorStream({
        count: f.count, speed: f.speed, seed: f.seed, firstId: f['first-id'], amqp: url ? { url, queue: f.queue! } : undefined,
        out: process.stdout, progressTo: process.stderr, stopped: () => stop.reason !== undefined,
      });
    } finally {
      stop.dispose();
    }
    if (url && !this.jsonEnabled()) {
      this.log(`sent ${summary.sent} message(s) from ${SENSOR_CLUSTERS} clusters to ${summary.to} in ${summary.seconds} s (${summary.perSecond}/s)`);
    }
    return summary;
  }
}
