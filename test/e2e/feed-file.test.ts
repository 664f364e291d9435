/**
 * `juba feed` from JSON lines against a real standalone server: good lines applied, poison
 * lines in the dead-letter file with their line number and reason (exit 5), --map with
 * objects keyed by parameter name, and a server that is down: lines retried, then dead-lettered
 * after --retry-for with the connection error as the reason.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src/client/service-client.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { freePort, killStarted, runJuba, runJubaToEnd } from '../harness/processes.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-feed-'));
let port: number;
let client: ServiceClient;

beforeAll(async () => {
  port = await freePort();
  const server = runJuba(['serve', 'nearest_neighbor', '-f', 'config/nearest_neighbor/sensor.json', '-p', String(port), '-b', '127.0.0.1']);
  await server.waitForLog(/juba server started/);
  client = new ServiceClient(loadEngineDescriptor('nearest_neighbor'), { host: '127.0.0.1', port });
}, 30_000);

afterAll(() => {
  client?.close();
  killStarted();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('juba feed -f', () => {
  it('applies good lines and dead-letters poison with line number and reason', async () => {
    const file = path.join(tmp, 'rows.jsonl');
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify([`f${i}`, { x: i, y: 1, z: 2 }]));
    lines.splice(10, 0, '["bad", {"x": 1}', '');
    lines.splice(30, 0, '[7, {"x": 1}]');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await runJubaToEnd(['feed', '-f', file, '-s', `127.0.0.1:${port}`, '--json']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/2 line\(s\) could not be applied; they are in .*rows\.jsonl\.dead\.jsonl/);
    expect(JSON.parse(r.stdout)).toMatchObject({ applied: 50, deadLettered: 2, received: 52 });
    const dead = fs.readFileSync(`${file}.dead.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: number; reason: string; message: string });
    expect(dead.map((d) => d.line).sort((a, b) => a - b)).toEqual([11, 31]);
    expect(dead.find((d) => d.line === 11)!.reason).toMatch(/not JSON/);
    expect(dead.find((d) => d.line === 31)!.reason).toMatch(/argument 1 'id' of set_row must be string/);
    const rows = (await client.call('get_all_rows')) as string[];
    for (let i = 0; i < 50; i++) expect(rows).toContain(`f${i}`);
  }, 30_000);

  it('--map takes objects keyed by parameter name; an unknown method is a usage error', async () => {
    const file = path.join(tmp, 'objects.jsonl');
    fs.writeFileSync(file, `${JSON.stringify({ id: 'o1', d: { x: 3, y: 4 } })}\n${JSON.stringify({ d: { x: 1 }, id: 'o2' })}\n`);
    const r = await runJubaToEnd(['feed', '--map', 'set_row', '-f', file, '-s', `127.0.0.1:${port}`, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ applied: 2, deadLettered: 0, method: 'set_row' });
    expect((await client.call('get_all_rows')) as string[]).toEqual(expect.arrayContaining(['o1', 'o2']));
    const bad = await runJubaToEnd(['feed', '--map', 'set_rows', '-f', file, '-s', `127.0.0.1:${port}`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/nearest_neighbor has no method set_rows/);
    expect(bad.stderr).toMatch(/--map takes one of: .*set_row/);
  }, 30_000);

  it('retries while the server is down, then dead-letters after --retry-for', async () => {
    const dead = await freePort();
    const file = path.join(tmp, 'down.jsonl');
    fs.writeFileSync(file, `${JSON.stringify(['d1', { x: 1 }])}\n`);
    // Nobody there to say its type, so -t names it.
    const noType = await runJubaToEnd(['feed', '-f', file, '-s', `127.0.0.1:${dead}`]);
    expect(noType.code).toBe(2);
    expect(noType.stderr).toContain(`127.0.0.1:${dead} could not tell its type`);
    const r = await runJubaToEnd(['feed', '-f', file, '-t', 'nearest_neighbor', '-s', `127.0.0.1:${dead}`, '--retry-for', '2', '--json']);
    expect(r.code).toBe(5);
    const summary = JSON.parse(r.stdout) as { retries: number; deadLettered: number };
    expect(summary.deadLettered).toBe(1);
    expect(summary.retries).toBeGreaterThan(1);
    const line = JSON.parse(fs.readFileSync(`${file}.dead.jsonl`, 'utf8')) as { reason: string };
    expect(line.reason).toMatch(/gave up after \d+ s of retries: connect failed/);
  }, 30_000);
});
