/**
 * examples/sensor_anomaly as its README runs it: the hands-on stream from `juba source` fed
 * (`--map overwrite`) into a light_lof detector, then calc_score for a point inside a cluster
 * and one between clusters.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src/client/service-client.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { killStarted, ROOT, runJubaToEnd, startServing } from '../harness/processes.js';

afterAll(() => killStarted());

const point = (x: number, y: number, z: number) => ({ stringValues: [], numValues: [['x', x], ['y', y], ['z', z]], binaryValues: [] });

describe('examples/sensor_anomaly', () => {
  it('juba source → juba feed --map overwrite → anomaly: a point between clusters scores well above one inside a cluster', async () => {
    const { p, port } = await startServing(['anomaly', '-f', path.join(ROOT, 'examples/sensor_anomaly/light_lof.json')], /juba server started/);
    const client = new ServiceClient(loadEngineDescriptor('anomaly'), { host: '127.0.0.1', port, timeoutMs: 30_000 });
    try {
      const src = await runJubaToEnd(['source', '--count', '1500', '--seed', '3']);
      expect(src.code).toBe(0);
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'juba-sensor-anomaly-')), 'stream.jsonl');
      fs.writeFileSync(file, src.stdout);
      const feed = await runJubaToEnd(['feed', '-s', `127.0.0.1:${port}`, '--map', 'overwrite', '-f', file, '--json']);
      expect(feed.code, feed.stderr).toBe(0);
      expect((await client.call('get_all_rows')) as string[]).toHaveLength(1500);
      const inlier = (await client.call('calc_score', point(1.02, 0.97, 2.01))) as number;
      const outlier = (await client.call('calc_score', point(0.5, 1.5, 0.5))) as number;
      // LOF ≈ 1 among equals; between clusters the neighbours are far denser than the point.
      expect(inlier).toBeLessThan(1.5);
      expect(outlier).toBeGreaterThan(2 * inlier);
    } finally {
      client.close();
      await p.stop();
    }
  });
});
