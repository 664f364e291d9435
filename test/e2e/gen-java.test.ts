/**
 * `juba gen --lang java --runtime` for real: the nearest_neighbor and kvs clients are
 * generated, compiled with javac (-Xlint:all -Werror) against Debian's libmsgpack-java, and
 * driven by a program against a live `juba serve nearest_neighbor` and the kvs service behind
 * `juba serve --proxy`; the answers must equal the TypeScript client's. An IDL using every
 * type compiles too, and its ulong is reported as lossy.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBoth, generateRich, splitLocal, startLive, stopLive, tsAnswers, type Live } from './gen-live.js';

const run = promisify(execFile);
const MSGPACK_JAR = '/usr/share/java/msgpack-core.jar';
let live: Live | undefined;
let out: string;

beforeAll(async () => {
  live = await startLive('java');
  out = path.join(live.tmp, 'java');
}, 120_000);

afterAll(() => stopLive(live));

function javaFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.java')).map((f) => path.join(dir, f)).sort();
}

describe('juba gen --lang java', () => {
  it('writes the official package layout, which javac compiles without a warning', async () => {
    const stderr = await generateBoth('java', out);
    expect(stderr).toBe('');
    const client = fs.readFileSync(path.join(out, 'us/jubat/nearest_neighbor/NearestNeighborClient.java'), 'utf8');
    expect(client).toContain('public class NearestNeighborClient extends ClientBase {');
    expect(client).toContain('public List<IdWithScore> similarRowFromId(String id, long ret_num) {');
    fs.copyFileSync(path.join(__dirname, 'gen-programs/Main.java'), path.join(out, 'Main.java'));
    await run('javac', ['-Xlint:all', '-Werror', '-cp', MSGPACK_JAR, '-d', path.join(out, 'classes'), ...javaFiles(out)], { timeout: 240_000 });
  }, 300_000);

  it('compiles a client of every kind of IDL type, and says ulong is lossy', async () => {
    const rich = path.join(live!.tmp, 'rich');
    const stderr = await generateRich('java', rich, rich);
    expect(stderr.trim()).toBe('juba gen: java has no exact type for IDL ulong; using long with its 64 bits (values from 2^63 up read as negative); the generated code says so where it is used');
    expect(fs.readFileSync(path.join(rich, 'us/jubat/store/Inner.java'), 'utf8')).toContain('  /** IDL ulong: Java has no unsigned 64-bit type');
    // On the wire: IDL float as float32, strings of 32+ bytes as old-spec raw16 (never str8).
    fs.writeFileSync(path.join(rich, 'Check.java'), `import us.jubat.store.Inner;

public class Check {
  public static void main(String[] args) {
    StringBuilder hex = new StringBuilder();
    for (byte b : new Inner(1.5f, 1L).toMsgpack()) hex.append(String.format("%02x", b));
    System.out.println(hex);
  }
}
`);
    await run('javac', ['-Xlint:all', '-Werror', '-cp', MSGPACK_JAR, '-d', path.join(rich, 'classes'), ...javaFiles(rich)], { timeout: 240_000 });
    const { stdout } = await run('java', ['-cp', `${path.join(rich, 'classes')}:${MSGPACK_JAR}`, 'Check'], { timeout: 30_000 });
    expect(stdout.trim()).toBe('92ca3fc0000001');
  }, 300_000);

  it('answers like the TypeScript client against live servers', async () => {
    const cp = `${path.join(out, 'classes')}:${MSGPACK_JAR}`;
    const { stdout } = await run('java', ['-cp', cp, 'Main', String(live!.nnPort), String(live!.kvsPort), live!.kvsName, 'java', String(live!.silentPort)], { timeout: 60_000 });
    const { shared, local } = splitLocal(JSON.parse(stdout));
    expect(local).toEqual({ bad_arg_local: 'local_type_error', bad_arg_server: 'type_mismatch', reconnect: 'ok', timeout: 'rpc_error: request timed out' });
    expect(shared).toEqual(await tsAnswers(live!, 'java'));
  }, 90_000);
});
