/**
 * The library entry points from a packed install, as a user gets them: `npm pack` (of the
 * built dist/), the tarball unpacked into a temp project's node_modules/juba, and the
 * dependencies juba declares taken from this checkout's node_modules (linked, so the test
 * needs no registry). Then, by package name only:
 *   - `juba/engines`: a nearest_neighbor trained in-process, saved, served by the installed
 *     `juba` bin with `-m`, queried with `juba/client`, saved by the server, loaded back;
 *   - `juba/idl`: an IDL parsed and a Python client generated in memory;
 *   - the TypeScript types of all three, checked with tsc against the installed package.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, freePort } from '../harness/processes.js';
import { eventually } from '../harness/wait.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-pack-'));
const project = path.join(tmp, 'project');
const modules = path.join(project, 'node_modules');
const started: number[] = [];

beforeAll(() => {
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8' });
  const tarball = path.join(tmp, (JSON.parse(out) as Array<{ filename: string }>)[0]!.filename);
  fs.mkdirSync(path.join(modules, 'juba'), { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', path.join(modules, 'juba'), '--strip-components=1']);
  // The installed dependencies, as npm would have put them beside juba.
  for (const entry of fs.readdirSync(path.join(ROOT, 'node_modules'))) {
    if (entry === 'juba' || entry.startsWith('.')) continue;
    fs.symlinkSync(path.join(ROOT, 'node_modules', entry), path.join(modules, entry));
  }
  fs.mkdirSync(path.join(modules, '.bin'));
  fs.symlinkSync('../juba/bin/run.js', path.join(modules, '.bin', 'juba'));
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'uses-juba', private: true, type: 'module' }));
}, 120_000);

afterAll(() => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs an ES module in the temp project; its stdout parsed as JSON. */
function runModule(name: string, code: string, env: NodeJS.ProcessEnv = {}): unknown {
  const file = path.join(project, name);
  fs.writeFileSync(file, code);
  return JSON.parse(execFileSync(process.execPath, [file], { cwd: project, encoding: 'utf8', env: { ...process.env, ...env } }));
}

const CONFIG = { method: 'euclid_lsh', parameter: { hash_num: 64 }, converter: { num_rules: [{ key: '*', type: 'num' }], string_rules: [] } };

describe('a packed install of juba', () => {
  it('ships only the declared entry points', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(modules, 'juba/package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(Object.keys(pkg.exports).sort()).toEqual(['./client', './engines', './idl', './package.json']);
    const code = `import('juba/dist/server/engine-server.js').then(() => console.log('"open"'), (e) => console.log(JSON.stringify(e.code)));`;
    expect(runModule('private.mjs', code)).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('juba/engines trains in-process; juba serve -m serves that model; the server\'s save loads back in-process', async () => {
    const model = path.join(tmp, 'trained.jubatus');
    const trained = runModule('train.mjs', `
      import { NearestNeighbor } from 'juba/engines';
      const nn = await NearestNeighbor.create(${JSON.stringify(CONFIG)});
      for (let i = 0; i < 20; i++) await nn.setRow('r' + i, { stringValues: [], numValues: [['x', i], ['y', i % 3]], binaryValues: [] });
      const similar = await nn.similarRowFromId('r5', 4);
      await nn.saveModel(${JSON.stringify(model)});
      console.log(JSON.stringify({ similar, rows: await nn.getAllRows() }));
    `) as { similar: Array<[string, number]>; rows: string[] };
    expect(trained.rows).toHaveLength(20);
    expect(trained.similar[0]![0]).toBe('r5');

    // The installed bin serves the in-process model.
    const port = await freePort();
    const datadir = path.join(tmp, 'data');
    fs.mkdirSync(datadir);
    const { spawn } = await import('node:child_process');
    const server = spawn(path.join(modules, '.bin', 'juba'), ['serve', 'nearest_neighbor', '-m', model, '-p', String(port), '-b', '127.0.0.1', '-d', datadir], {
      cwd: project, stdio: ['ignore', 'ignore', 'pipe'],
    });
    started.push(server.pid!);
    let log = '';
    server.stderr!.on('data', (d) => (log += d));
    await eventually(() => /juba server started/.test(log), `juba serve -m from the packed install (log: ${log})`, 60_000);

    const served = runModule('query.mjs', `
      import { createClient } from 'juba/client';
      const nn = createClient('nearest_neighbor', { host: '127.0.0.1', port: ${port}, name: '' });
      const similar = await nn.similarRowFromId('r5', 4);
      const rows = await nn.getAllRows();
      await nn.setRow('from_server', { stringValues: [], numValues: [['x', 100]], binaryValues: [] });
      const saved = [...(await nn.save('m1')).values()];
      nn.close();
      console.log(JSON.stringify({ similar, rows, saved }));
    `) as { similar: Array<[string, number]>; rows: string[]; saved: string[] };
    expect(served.similar).toEqual(trained.similar);
    expect(served.rows.sort()).toEqual([...trained.rows].sort());
    expect(served.saved).toHaveLength(1);

    const back = runModule('load.mjs', `
      import { NearestNeighbor } from 'juba/engines';
      const nn = await NearestNeighbor.open(${JSON.stringify(served.saved[0])});
      const again = await NearestNeighbor.create(${JSON.stringify(CONFIG)});
      await again.loadModel(${JSON.stringify(served.saved[0])});
      console.log(JSON.stringify({ rows: await nn.getAllRows(), again: (await again.getAllRows()).length, similar: await nn.similarRowFromId('r5', 4) }));
    `) as { rows: string[]; again: number; similar: Array<[string, number]> };
    expect(back.rows.sort()).toEqual([...trained.rows, 'from_server'].sort());
    expect(back.again).toBe(21);
    expect(back.similar).toEqual(trained.similar);
    server.kill('SIGTERM');
  }, 120_000);

  it('juba/engines builds every engine; juba/idl parses and generates in memory', () => {
    const r = runModule('all.mjs', `
      import * as engines from 'juba/engines';
      import { parseIdl, generateFiles, GEN_LANGUAGES, buildDescriptor } from 'juba/idl';
      const idl = parseIdl('message point { 0: double x\\n 1: double y }\\nservice geo {\\n #@random #@update #@all_and\\n bool add(0: point p)\\n}\\n', 'geo.idl');
      const files = generateFiles(idl, { lang: 'python', source: 'geo.idl', skeleton: false });
      const desc = buildDescriptor(idl);
      console.log(JSON.stringify({ types: engines.engineTypes(), files: files.map((f) => f.path), methods: [...desc.methods.keys()], langs: GEN_LANGUAGES }));
    `) as { types: string[]; files: string[]; methods: string[]; langs: string[] };
    expect(r.types).toHaveLength(11);
    expect(r.methods).toEqual(['add']);
    expect(r.files.length).toBeGreaterThan(0);
    expect(r.files.some((f) => f.endsWith('.py'))).toBe(true);
    expect(r.langs).toContain('python');
  });

  it('has TypeScript types by package name', () => {
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
      files: ['typed.ts'],
    }));
    fs.writeFileSync(path.join(project, 'typed.ts'), `
      import { NearestNeighbor, Classifier, type Datum } from 'juba/engines';
      import { createClient, ServiceClient } from 'juba/client';
      import { parseIdl, type IdlFile } from 'juba/idl';
      const d: Datum = { stringValues: [], numValues: [['x', 1]], binaryValues: [] };
      export async function main(): Promise<void> {
        const nn = await NearestNeighbor.create({});
        const ok: boolean = await nn.setRow('a', d);
        const top: Array<[string, number]> = await nn.similarRowFromId('a', 10);
        await nn.saveModel('m.jubatus');
        // @ts-expect-error: the id is a string
        await nn.setRow(1, d);
        const c = await Classifier.create({});
        const labels: Map<string, number | bigint> = await c.getLabels();
        const client = createClient('nearest_neighbor', { host: '127.0.0.1', port: 9199 });
        const rows: string[] = await client.getAllRows();
        const any: ServiceClient = client;
        const idl: IdlFile = parseIdl('service s { #@random #@update #@pass\\n bool f() }', 's.idl');
        void [ok, top, labels, rows, any, idl];
      }
    `);
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    const r = (() => {
      try {
        return execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project, encoding: 'utf8' });
      } catch (e) {
        return `${(e as { stdout?: string }).stdout ?? ''}${(e as Error).message}`;
      }
    })();
    expect(r).toBe('');
  }, 120_000);
});
