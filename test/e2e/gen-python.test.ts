/**
 * `juba gen --lang python --runtime` for real: the nearest_neighbor and kvs clients are
 * generated, byte-compiled by Debian's python3, and driven (on python3-msgpack only) against a
 * live `juba serve nearest_neighbor` and the kvs service behind `juba serve --proxy`; the
 * answers must equal the TypeScript client's. kvs `del` is a keyword: the method is `del_`.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBoth, generateRich, splitLocal, startLive, stopLive, tsAnswers, type Live } from './gen-live.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3'; // Debian's, which python3-msgpack installs into
let live: Live | undefined;
let out: string;

beforeAll(async () => {
  live = await startLive('python');
  out = path.join(live.tmp, 'py');
}, 120_000);

afterAll(() => stopLive(live));

describe('juba gen --lang python', () => {
  it('writes the official layout and byte-compiles', async () => {
    const stderr = await generateBoth('python', out);
    expect(stderr).toBe('');
    for (const f of ['jubatus/__init__.py', 'jubatus/common/client.py', 'jubatus/nearest_neighbor/client.py', 'jubatus/nearest_neighbor/types.py', 'jubatus/kvs/client.py']) {
      expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    }
    expect(fs.readFileSync(path.join(out, 'jubatus/kvs/client.py'), 'utf8')).toContain('    def del_(self, key):\n');
    await run(PYTHON, ['-m', 'compileall', '-q', out], { timeout: 60_000 });
  }, 60_000);

  it('round-trips messages of every kind of IDL type, keyword names escaped', async () => {
    const rich = path.join(live!.tmp, 'rich');
    await generateRich('python', rich, rich);
    await run(PYTHON, ['-m', 'compileall', '-q', rich], { timeout: 60_000 });
    const script = [
      'from jubatus.store.client import Store',
      'from jubatus.store.types import Box, Inner, Flag',
      "b = Box(Inner(1.5, 2**64 - 1), [Inner(0.25, 0)], {'a': 1}, b'x', True, None, {'o': 1}, -3)",
      'assert Box.from_msgpack(b.to_msgpack()) == b',
      'assert callable(Store.del_) and callable(Store.forget)',
      'try:',
      '    Inner(1.5, -1).to_msgpack()',
      '    raise SystemExit("ulong accepted -1")',
      'except ValueError:',
      '    pass',
      // On the wire: IDL float as float32, strings of 32+ bytes as old-spec raw16 (never str8).
      'import msgpack',
      'from jubatus.common.client import _pack',
      'out = []',
      "_pack(msgpack.Packer(use_bin_type=False), [Inner(1.5, 1).to_msgpack(), 'x' * 40], out)",
      "assert b''.join(out) == b'\\x92\\x92\\xca\\x3f\\xc0\\x00\\x00\\x01\\xda\\x00\\x28' + b'x' * 40, b''.join(out)",
      "print('ok')",
    ].join('\n');
    const { stdout } = await run(PYTHON, ['-c', script], { cwd: rich, timeout: 30_000 });
    expect(stdout.trim()).toBe('ok');
  }, 60_000);

  it('answers like the TypeScript client against live servers', async () => {
    fs.copyFileSync(path.join(__dirname, 'gen-programs/main.py'), path.join(out, 'main.py'));
    const { stdout } = await run(PYTHON, ['main.py', String(live!.nnPort), String(live!.kvsPort), live!.kvsName, 'python', String(live!.silentPort)], { cwd: out, timeout: 60_000 });
    const { shared, local } = splitLocal(JSON.parse(stdout));
    expect(local).toEqual({ bad_arg_local: 'local_type_error', bad_arg_server: 'type_mismatch', reconnect: 'ok', timeout: 'rpc_error: request timed out' });
    const expected = await tsAnswers(live!, 'python');
    expect(shared).toEqual(expected);
    expect((expected.nn as Record<string, unknown>).do_mix).toBe('unknown_method');
    expect((expected.kvs as Record<string, unknown>).get).toBe('Kyoto ✓');
  }, 90_000);
});
