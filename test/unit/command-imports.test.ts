/**
 * What loading each command costs: no command that does not draw a screen loads Ink or React,
 * and none loads amqplib before it connects to a queue (feed and source import it on connect).
 * Each built command module (dist/, as `juba` runs it) is imported in a fresh Node process and
 * the CommonJS packages it pulled in are listed.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../harness/processes.js';

const COMMANDS = path.join(ROOT, 'dist/commands');
const WATCHED = ['react', 'ink', 'amqplib', 'node-zookeeper-client', 'prom-client'];

function commandFiles(dir = COMMANDS): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? commandFiles(p) : f.endsWith('.js') ? [p] : [];
  });
}

/** The watched packages in the CommonJS cache after importing `file` (ink and react are both there when used). */
function packagesLoadedBy(file: string): string[] {
  const script = `import(${JSON.stringify(file)}).then(() => {
    const keys = Object.keys(require('node:module')._cache);
    const names = ${JSON.stringify(WATCHED)}.filter((n) => keys.some((k) => k.includes('/node_modules/' + n + '/')));
    process.stdout.write(JSON.stringify(names));
  })`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
}

describe('command modules load only what they use', () => {
  const files = commandFiles();

  it('finds the built commands', () => {
    expect(files.map((f) => path.relative(COMMANDS, f))).toEqual(expect.arrayContaining(['serve.js', 'top.js', 'feed.js', 'call.js']));
  });

  for (const file of files) {
    const name = path.relative(COMMANDS, file).replace(/\.js$/, '');
    it(`${name}: no Ink/React unless it draws, no amqplib at load`, () => {
      const loaded = packagesLoadedBy(file);
      expect(loaded).not.toContain('amqplib');
      // prom-client loads only when --metrics_port is given.
      expect(loaded).not.toContain('prom-client');
      if (name !== 'top') expect(loaded.filter((p) => p === 'react' || p === 'ink')).toEqual([]);
      // Only commands that talk to ZooKeeper may load its client; these never do at load time.
      if (['serve', 'call', 'bench', 'feed', 'source', 'gen'].includes(name)) expect(loaded).not.toContain('node-zookeeper-client');
    });
  }
});
