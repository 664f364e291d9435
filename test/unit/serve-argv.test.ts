/**
 * `juba serve`'s fast path: the plain argvs it parses itself give exactly what oclif gives, it
 * hands everything else to oclif, and on that path the CLI framework is never loaded.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Parser } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import Serve from '../../src/commands/serve.js';
import { parseServeArgv, SERVE_FLAGS } from '../../src/server/serve-flags.js';
import { ROOT } from '../harness/processes.js';

async function viaOclif(argv: string[]): Promise<{ engine: string | undefined; flags: Record<string, unknown> }> {
  const { args, flags } = await Parser.parse(argv, { flags: Serve.flags, args: Serve.args, strict: true });
  return { engine: args.engine as string | undefined, flags: Object.fromEntries(Object.keys(SERVE_FLAGS).map((k) => [k, (flags as Record<string, unknown>)[k]])) };
}

describe('juba serve argv without oclif', () => {
  it.each([
    ['nearest_neighbor', '-f', 'c.json'],
    ['nearest_neighbor', '-f', 'c.json', '-p', '0', '-b', '127.0.0.1', '-c', '3', '-t', '0', '-D', '-T'],
    ['classifier', '--rpc-port=9300', '--configpath', 'x.json', '--thread=1', '--mixer', 'random_mixer', '--interval_sec', '0'],
    ['nearest_neighbor', '-z', '127.0.0.1:2181', '-n', 'c1', '-x', 'skip_mixer', '-s', '5', '-i', '100', '-Z', '20', '-I', '3', '-d', '/var/tmp'],
    ['nearest_neighbor', '--proxy', '-z', 'h:1', '-E', '0', '-S', '10', '--max_frame', '2048', '-l', '/tmp', '-g', 'log.json'],
    ['--idl', 'k.idl', '--impl', 'k.js', '-m', 'model.jubatus', '-B', 'eth0'],
    ['-v', 'nearest_neighbor'],
    ['nearest_neighbor', '-f', 'c.json', '--metrics_port', '9100'],
    ['nearest_neighbor', '--proxy', '--metrics_port=-'],
  ])('%s … parses as oclif does', async (...argv) => {
    expect(parseServeArgv(argv)).toEqual(await viaOclif(argv));
  });

  it.each([
    ['--help'], ['-h'], ['nearest_neighbor', '--no-such-flag'], ['nearest_neighbor', '-q'],
    ['nearest_neighbor', '-c', '0'], ['nearest_neighbor', '-c', 'two'], ['nearest_neighbor', '-p', '70000'],
    ['nearest_neighbor', '-x', 'best_mixer'], ['nearest_neighbor', '-f', 'a', '-f', 'b'], ['a', 'b'],
    ['--impl', 'k.js'], ['nearest_neighbor', '-DT'], ['nearest_neighbor', '-f'], ['nearest_neighbor', '-f', '-p'],
    ['nearest_neighbor', '--daemon=yes'],
  ])('%s … goes to oclif', (...argv) => {
    expect(parseServeArgv(argv)).toBeUndefined();
  });

  it('leaves oclif unloaded on the fast path, and loads it for help', () => {
    const bin = path.join(ROOT, 'bin/run.js');
    /** Runs bin/run.js with `argv` in a fresh Node; true when @oclif/core was loaded by the end. */
    const loadsOclif = (...argv: string[]): boolean => {
      const script = `process.argv = [process.argv[0], ${JSON.stringify(bin)}, ...${JSON.stringify(argv)}];
        import(${JSON.stringify(bin)}).then(() => process.stderr.write('oclif:' + Object.keys(require('node:module')._cache).some((k) => k.includes('/node_modules/@oclif/core/'))));`;
      const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      const m = /oclif:(true|false)/.exec(r.stderr);
      if (!m) throw new Error(`no answer from bin/run.js ${argv.join(' ')}: ${r.stderr}`);
      return m[1] === 'true';
    };
    expect(loadsOclif('serve', 'nearest_neighbor', '-v')).toBe(false);
    expect(loadsOclif('serve', '--help')).toBe(true);
  });
});
