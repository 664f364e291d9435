/**
 * `juba serve nearest_neighbor` as a real process on loopback, driven like a stock Jubatus
 * client would: set_row / similar_row_from_id / neighbor_row_* / get_status / save / load.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, decodeMulti, encode } from '@msgpack/msgpack';
import { ServiceClient } from '../../src/client/service-client.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import type { Datum } from '../../src/engine/datum.js';
import { RpcError } from '../../src/rpc/errors.js';
import { freePort, killStarted, runJuba, runJubaToEnd, type JubaProcess } from '../harness/processes.js';

const desc = loadEngineDescriptor('nearest_neighbor');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-serve-'));
const num = (o: Record<string, number>): Datum => ({ stringValues: [], numValues: Object.entries(o), binaryValues: [] });

function writeConfig(name: string, method: string, extra = ''): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, `{"method": "${method}", "parameter": {"hash_num": 64${extra}},
  "converter": {"num_rules": [{"key": "*", "type": "num"}], "string_rules": [{"key": "*", "type": "str", "sample_weight": "bin", "global_weight": "bin"}]}}`);
  return file;
}

async function startServer(args: string[]): Promise<{ p: JubaProcess; port: number; client: ServiceClient }> {
  const port = await freePort();
  const p = runJuba(['serve', 'nearest_neighbor', '-p', String(port), '-b', '127.0.0.1', '-d', tmp, ...args]);
  await p.waitForLog(/juba server started/);
  return { p, port, client: new ServiceClient(desc, { host: '127.0.0.1', port, name: 'test' }) };
}

afterAll(() => {
  killStarted();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('startup checks', () => {
  it('--config_test accepts a good config and explains a bad one', async () => {
    const ok = await runJubaToEnd(['serve', 'nearest_neighbor', '-f', writeConfig('ok.json', 'lsh'), '--config_test']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('Configuration OK');

    const badJson = path.join(tmp, 'bad.json');
    fs.writeFileSync(badJson, '{\n  "method": "lsh",\n  "parameter": {"hash_num": 64,}\n}');
    const bad = await runJubaToEnd(['serve', 'nearest_neighbor', '-f', badJson, '-T']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Configuration error:');
    expect(bad.stderr).toContain(`${badJson}:3:32`);

    const unknownKey = await runJubaToEnd(['serve', 'nearest_neighbor', '-f', writeConfig('uk.json', 'euclid_lsh', ', "table_num": 4'), '-T']);
    expect(unknownKey.code).toBe(1);
    expect(unknownKey.stderr).toContain('parameter.table_num');
  });

  it('refuses standalone mode without a config or model, and a missing file', async () => {
    const none = await runJubaToEnd(['serve', 'nearest_neighbor']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('config path or model file must be specified for standalone mode');
    const missing = await runJubaToEnd(['serve', 'nearest_neighbor', '-f', path.join(tmp, 'nope.json')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("can't read");
    const engine = await runJubaToEnd(['serve', 'nosuch', '-f', writeConfig('x.json', 'lsh')]);
    expect(engine.code).toBe(2);
    expect(engine.stderr).toContain('unknown engine: nosuch');
  });

  it('names a taken rpc port and exits 2', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await runJubaToEnd(['serve', 'nearest_neighbor', '-f', writeConfig('taken.json', 'lsh'), '-p', String(taken), '-b', '127.0.0.1', '-d', tmp]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`rpc port ${taken} is in use (127.0.0.1:${taken})`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('prints the version with -v', async () => {
    const v = await runJubaToEnd(['serve', 'jubanearest_neighbor', '-v']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^jubatus-1\.1\.1 \(jubanearest_neighbor\)/);
  });
});

describe('lsh server answers as Jubatus 1.1.1', () => {
  let s: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    s = await startServer(['-f', writeConfig('lsh.json', 'lsh')]);
    for (const [id, d] of [['x', { x: 1 }], ['y', { y: 1 }], ['xy', { x: 1, y: 1 }]] as const) {
      expect(await s.client.call('set_row', id, num(d))).toBe(true);
    }
  });
  afterAll(async () => {
    s.client.close();
    expect(await s.p.stop('SIGTERM')).toBe(0);
  });

  it('scores neighbors and similar rows with the confirmed values', async () => {
    expect(await s.client.call('neighbor_row_from_id', 'x', 3)).toEqual([['x', 0], ['xy', 0.203125], ['y', 0.40625]]);
    expect(await s.client.call('similar_row_from_id', 'x', 2)).toEqual([['x', 1], ['xy', 0.796875]]);
    expect(await s.client.call('similar_row_from_datum', num({ y: 1 }), 1)).toEqual([['y', 1]]);
    expect(await s.client.call('neighbor_row_from_id', 'unknown', 3)).toEqual([]);
    expect(await s.client.call('neighbor_row_from_id', 'x', 0)).toEqual([]);
    expect((await s.client.call('get_all_rows') as string[]).sort()).toEqual(['x', 'xy', 'y']);
  });

  it('speaks the old msgpack dialect to a raw client', async () => {
    // What a stock client puts on the wire: raw strings, float64 values, the cluster name first.
    const sock = net.connect(s.port, '127.0.0.1');
    const reply = await new Promise<Buffer>((resolve) => {
      let buf = Buffer.alloc(0);
      sock.on('connect', () => sock.write(encode([0, 42, 'similar_row_from_id', ['name', 'x', 3]])));
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        try { decode(buf); resolve(buf); } catch { /* partial */ }
      });
    });
    sock.destroy();
    expect(decode(reply)).toEqual([1, 42, null, [['x', 1], ['xy', 0.796875], ['y', 0.59375]]]);
    expect(reply.includes(0xd9)).toBe(false); // no str8
    expect(reply.filter((b) => b === 0xcb).length).toBeGreaterThanOrEqual(3); // scores are float64
  });

  it('maps wire errors like Jubatus: unknown method 1, bad params 2, other text', async () => {
    const sock = net.connect(s.port, '127.0.0.1');
    const replies = await new Promise<unknown[]>((resolve) => {
      let buf = Buffer.alloc(0);
      sock.on('connect', () => sock.write(Buffer.concat([
        encode([0, 1, 'no_such_method', ['']]),
        encode([0, 2, 'set_row', ['', 'id', { not: 'a datum' }]]),
        encode([0, 3, 'set_row', ['', 'id']]),
        encode([0, 4, 'set_row', ['', 'bad$key', [[['k$', 'v']], [], []]]]),
        encode([0, 5, 'neighbor_row_from_id', ['', 'x', -1]]),
      ])));
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        const got: unknown[] = [];
        try { for (const r of decodeMulti(buf)) got.push(r); } catch { /* partial */ }
        if (got.length === 5) resolve(got);
      });
    });
    sock.destroy();
    expect(replies[0]).toEqual([1, 1, 1, 'no_such_method']);
    expect((replies[1] as unknown[])[2]).toBe(2);
    expect((replies[2] as unknown[])[2]).toBe(2);
    expect(typeof (replies[3] as unknown[])[2]).toBe('string');
    expect((replies[4] as unknown[])[2]).toBe(2);
    // None of that changed the model.
    expect((await s.client.call('get_all_rows') as string[]).length).toBe(3);
  });

  it('reports every get_status key as a string', async () => {
    const status = await s.client.getStatus();
    expect([...status.keys()]).toEqual([`127.0.0.1_${s.port}`]);
    const st = [...status.values()][0]!;
    for (const k of ['clock_time', 'start_time', 'uptime', 'VIRT', 'RSS', 'SHR', 'timeout', 'threadnum', 'datadir',
      'logdir', 'log_config', 'is_standalone', 'VERSION', 'PROGNAME', 'type', 'configpath', 'pid', 'user',
      'update_count', 'last_saved', 'last_saved_path', 'last_loaded', 'last_loaded_path', 'update_row_cnt', 'data',
      'analysis_count', 'analysis_usec_total', 'update_usec_total']) {
      expect(typeof st.get(k), k).toBe('string');
    }
    expect(st.get('is_standalone')).toBe('1');
    expect(st.get('VERSION')).toBe('1.1.1');
    expect(st.get('type')).toBe('nearest_neighbor');
    // 3 set_row + the one refused for its '$' key: 1.1.1 counts an update when it takes the write
    // lock (JWLOCK_), before the method fails; the calls whose params did not decode are not counted.
    expect(st.get('update_count')).toBe('4');
    expect(st.get('data')).toBe('3');
    expect(Number(st.get('analysis_count'))).toBeGreaterThan(0);
    expect(st.get('pid')).toBe(String(s.p.pid));
    expect(await s.client.getConfig()).toBe(fs.readFileSync(path.join(tmp, 'lsh.json'), 'utf8'));
  });
});

describe('save and load', () => {
  let s: Awaited<ReturnType<typeof startServer>>;
  let cfg: string;
  beforeAll(async () => {
    cfg = writeConfig('eu.json', 'euclid_lsh');
    s = await startServer(['-f', cfg]);
    for (const [id, d] of [['x', { x: 1 }], ['y', { y: 1 }], ['xy', { x: 1, y: 1 }]] as const) await s.client.call('set_row', id, num(d));
  });
  afterAll(async () => {
    s.client.close();
    await s.p.stop('SIGINT');
  });

  it('computes euclid_lsh distances as 1.1.1 did, with -0 for self', async () => {
    expect(await s.client.call('neighbor_row_from_id', 'x', 3)).toEqual([['x', 0], ['xy', 0.8533381692856091], ['y', 1.1913986089848667]]);
    const sim = (await s.client.call('similar_row_from_id', 'x', 1)) as Array<[string, number]>;
    expect(Object.is(sim[0]![1], -0)).toBe(true);
  });

  it('saves to <datadir>/<ip>_<port>_<type>_<id>.jubatus and loads it back', async () => {
    const saved = await s.client.save('snap');
    const file = path.join(fs.realpathSync(tmp), `127.0.0.1_${s.port}_nearest_neighbor_snap.jubatus`);
    expect(saved).toEqual(new Map([[`127.0.0.1_${s.port}`, file]]));
    expect(fs.readFileSync(file).subarray(0, 8).toString('latin1')).toBe('jubatus\0');
    await s.client.call('clear');
    expect(await s.client.call('get_all_rows')).toEqual([]);
    expect(await s.client.load('snap')).toBe(true);
    expect(await s.client.call('neighbor_row_from_id', 'x', 3)).toEqual([['x', 0], ['xy', 0.8533381692856091], ['y', 1.1913986089848667]]);
    const st = [...(await s.client.getStatus()).values()][0]!;
    expect(st.get('last_saved_path')).toBe(file);
    expect(st.get('last_loaded_path')).toBe(file);
  });

  it('rejects bad ids and broken files with Jubatus messages, keeping the model', async () => {
    const err = (p: Promise<unknown>): Promise<string> => p.then(() => 'no error', (e: RpcError) => e.message);
    expect(await err(s.client.save(''))).toBe('empty id is not allowed');
    expect(await err(s.client.load('a/b'))).toBe('model ID contains invalid character');
    expect(await err(s.client.load('never_saved'))).toBe('cannot open input file');
    await s.client.save('broken');
    const file = path.join(tmp, `127.0.0.1_${s.port}_nearest_neighbor_broken.jubatus`);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 3] ^= 0xff;
    fs.writeFileSync(file, bytes);
    await s.client.call('set_row', 'z', num({ z: 1 }));
    expect(await err(s.client.load('broken'))).toMatch(/^invalid crc32 checksum: [0-9a-f]+, expected [0-9a-f]+$/);
    expect((await s.client.call('get_all_rows') as string[]).sort()).toEqual(['x', 'xy', 'y', 'z']);
  });

  it('starts from --model_file alone, taking the config stored in it', async () => {
    const file = path.join(tmp, `127.0.0.1_${s.port}_nearest_neighbor_snap.jubatus`);
    const t = await startServer(['-m', file]);
    try {
      expect(await t.client.call('neighbor_row_from_id', 'x', 3)).toEqual([['x', 0], ['xy', 0.8533381692856091], ['y', 1.1913986089848667]]);
      expect(await t.client.getConfig()).toBe(fs.readFileSync(cfg, 'utf8'));
      const st = [...(await t.client.getStatus()).values()][0]!;
      expect(st.get('last_loaded_path')).toBe(file);
    } finally {
      t.client.close();
      await t.p.stop();
    }
  });
});
