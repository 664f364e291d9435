/**
 * `juba gen --lang cpp --runtime` for real: the nearest_neighbor and kvs client headers are
 * generated, compiled with `g++ -std=c++17 -Wall -Werror` (libmsgpack-cxx-dev, POSIX sockets,
 * header-only) together with a program that drives them against a live `juba serve
 * nearest_neighbor` and the kvs service behind `juba serve --proxy`; the answers must equal
 * the TypeScript client's.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBoth, generateRich, splitLocal, startLive, stopLive, tsAnswers, type Live } from './gen-live.js';

const run = promisify(execFile);
let live: Live | undefined;
let out: string;

beforeAll(async () => {
  live = await startLive('cpp');
  out = path.join(live.tmp, 'cpp');
}, 120_000);

afterAll(() => stopLive(live));

describe('juba gen --lang cpp', () => {
  it('writes the official header layout, which compiles with -Wall -Werror', async () => {
    const stderr = await generateBoth('cpp', out);
    expect(stderr).toBe('');
    expect(fs.readFileSync(path.join(out, 'jubatus/client/nearest_neighbor_client.hpp'), 'utf8'))
      .toContain('class nearest_neighbor : public jubatus::client::common::client {');
    await run('g++', ['-std=c++17', '-Wall', '-Werror', '-I', out, '-o', path.join(out, 'app'), path.join(__dirname, 'gen-programs/main.cpp')], { timeout: 240_000 });
  }, 300_000);

  it('compiles a client of every kind of IDL type, keyword names escaped', async () => {
    const rich = path.join(live!.tmp, 'rich');
    await generateRich('cpp', rich, rich);
    const main = path.join(rich, 'use.cpp');
    fs.writeFileSync(main, `#include <jubatus/client/store_client.hpp>
int main() {
  jubatus::store::client::store s("127.0.0.1", 1, "x", 1);
  jubatus::store::box b;
  b.class_.f = 1.5f;
  b.type = "t";
  // On the wire: IDL float as float32, strings of 32+ bytes as old-spec raw16 (never str8).
  msgpack::sbuffer buf;
  msgpack::rpc::wire_packer pk(buf);
  pk.pack_array(2);
  pk.pack(jubatus::store::inner(1.5f, 1));
  pk.pack(std::string(40, 'x'));
  const std::string want = std::string("\\x92\\x92\\xca\\x3f\\xc0\\x00\\x00\\x01\\xda\\x00\\x28", 11) + std::string(40, 'x');
  if (std::string(buf.data(), buf.size()) != want) return 3;
  try {
    std::vector<jubatus::store::box> found = s.find(b, 1, 0.5, jubatus::store::color::green, jubatus::store::flag(true));
    s.forget("n");
    return s.del("k", 1) && found.empty() ? 1 : 2;
  } catch (const msgpack::rpc::connect_error&) {
    return 0;
  }
}
`);
    await run('g++', ['-std=c++17', '-Wall', '-Werror', '-I', rich, '-o', path.join(rich, 'use'), main], { timeout: 240_000 });
    await run(path.join(rich, 'use'), [], { timeout: 10_000 }); // exit 0: the bytes were right and the connect error arrived as connect_error
  }, 300_000);

  it('answers like the TypeScript client against live servers', async () => {
    const { stdout } = await run(path.join(out, 'app'), [String(live!.nnPort), String(live!.kvsPort), live!.kvsName, 'cpp', String(live!.silentPort)], { timeout: 60_000 });
    const { shared, local } = splitLocal(JSON.parse(stdout));
    expect(local).toEqual({ bad_arg_local: 'compile-time', bad_arg_server: 'type_mismatch', reconnect: 'ok', timeout: 'rpc_error: request timed out' });
    expect(shared).toEqual(await tsAnswers(live!, 'cpp'));
  }, 90_000);
});
