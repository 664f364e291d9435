/**
 * `juba gen --lang ruby --runtime` for real: the nearest_neighbor and kvs clients are
 * generated, syntax-checked by Debian's ruby, and driven (on ruby-msgpack only) against a live
 * `juba serve nearest_neighbor` and the kvs service behind `juba serve --proxy`; the answers
 * must equal the TypeScript client's.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBoth, generateRich, splitLocal, startLive, stopLive, tsAnswers, type Live } from './gen-live.js';

const run = promisify(execFile);
const RUBY = '/usr/bin/ruby';
let live: Live | undefined;
let out: string;

beforeAll(async () => {
  live = await startLive('ruby');
  out = path.join(live.tmp, 'rb');
}, 120_000);

afterAll(() => stopLive(live));

describe('juba gen --lang ruby', () => {
  it('writes the official layout, and every file passes ruby -c', async () => {
    const stderr = await generateBoth('ruby', out);
    expect(stderr).toBe('');
    const files = ['jubatus/common.rb', 'jubatus/common/client.rb', 'jubatus/common/types.rb', 'jubatus/common/datum.rb',
      'jubatus/nearest_neighbor/client.rb', 'jubatus/nearest_neighbor/types.rb', 'jubatus/kvs/client.rb', 'jubatus/kvs/types.rb'];
    for (const f of files) {
      const { stdout } = await run(RUBY, ['-wc', path.join(out, f)], { timeout: 30_000 });
      expect(stdout.trim(), f).toBe('Syntax OK');
    }
    expect(fs.readFileSync(path.join(out, 'jubatus/kvs/client.rb'), 'utf8')).toContain('class Kvs < Jubatus::Common::ClientBase');
  }, 60_000);

  it('round-trips messages of every kind of IDL type, keyword names escaped', async () => {
    const rich = path.join(live!.tmp, 'rich');
    await generateRich('ruby', rich, rich);
    const script = [
      "require 'jubatus/store/client'",
      'include Jubatus::Store',
      "b = Box.new(Inner.new(1.5, 2**64 - 1), [Inner.new(0.25, 0)], { 'a' => 1 }, 'x'.b, true, nil, { 'o' => 1 }, -3)",
      'raise "round trip" unless Box.from_msgpack(b.to_msgpack) == b',
      'raise "class_" unless b.class_.big == 2**64 - 1',
      "raise 'methods' unless Client::Store.instance_method(:del) && Client::Store.instance_method(:forget)",
      'begin',
      '  Inner.new(1.5, -1).to_msgpack',
      "  raise 'ulong accepted -1'",
      'rescue Jubatus::Common::ValueError',
      'end',
      // On the wire: IDL float as float32, strings of 32+ bytes as old-spec raw16 (never str8).
      'pk = MessagePack::Packer.new(compatibility_mode: true)',
      "Jubatus::Common::RpcConnection.new('h', 1, 1).send(:pack, pk, [Inner.new(1.5, 1).to_msgpack, 'x' * 40])",
      "raise pk.to_s.inspect unless pk.to_s.b == \"\\x92\\x92\\xca\\x3f\\xc0\\x00\\x00\\x01\\xda\\x00\\x28\".b + 'x' * 40",
      "puts 'ok'",
    ].join('\n');
    const { stdout } = await run(RUBY, ['-I', rich, '-e', script], { timeout: 30_000 });
    expect(stdout.trim()).toBe('ok');
  }, 60_000);

  it('answers like the TypeScript client against live servers', async () => {
    const main = path.join(__dirname, 'gen-programs/main.rb');
    const { stdout } = await run(RUBY, ['-I', out, main, String(live!.nnPort), String(live!.kvsPort), live!.kvsName, 'ruby', String(live!.silentPort)], { timeout: 60_000 });
    const { shared, local } = splitLocal(JSON.parse(stdout));
    expect(local).toEqual({ bad_arg_local: 'local_type_error', bad_arg_server: 'type_mismatch', reconnect: 'ok', timeout: 'rpc_error: request timed out' });
    expect(shared).toEqual(await tsAnswers(live!, 'ruby'));
  }, 90_000);
});
