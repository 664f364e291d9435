/**
 * stat, bandit and burst over loopback msgpack-rpc against real `juba serve` processes with
 * their shipped default configs (stat with a 10k window). Prints one JSON line:
 * - stat: push/s (depth 32) over 10k keys, then sum and moment(key, 2, 0) latency (sequential);
 * - bandit (ucb1, 10 arms): select_arm + register_reward pairs per second, 8 players in parallel;
 * - burst: add_documents/s (one 20-document call at a time, depth 8) with 100 keywords.
 *
 *   npm run build && node --import tsx bench/stat-bandit-burst.ts [calls=20000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServiceClient } from '../src/client/service-client.js';
import { loadEngineDescriptor } from '../src/idl/descriptor.js';
import { killStarted, ROOT, startServing } from '../test/harness/processes.js';
import { rand } from './random-data.js';

const CALLS = Number(process.argv[2] ?? 20_000);
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

function p50(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/** `juba serve TYPE` on its shipped default config, or on `config` written to a temp file. */
async function serve(type: string, config?: object): Promise<{ c: ServiceClient; stop: () => Promise<unknown> }> {
  let file = path.join(ROOT, 'config', type, 'default.json');
  if (config) {
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'juba-bench-')), 'config.json');
    fs.writeFileSync(file, JSON.stringify(config));
  }
  const { p, port } = await startServing([type, '-f', file, '-t', '0'], /juba server started/);
  return { c: new ServiceClient(loadEngineDescriptor(type), { host: '127.0.0.1', port, timeoutMs: 60_000 }), stop: () => p.stop() };
}

/** `one(i)` for i < n with `depth` calls in flight; calls per second. */
async function perSecond(n: number, depth: number, one: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: depth }, async () => {
    while (next < n) await one(next++);
  }));
  return Math.round(n / ((performance.now() - t0) / 1000));
}

async function latency(n: number, one: (i: number) => Promise<unknown>): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await one(i);
    t.push(performance.now() - s);
  }
  return r3(p50(t));
}

async function stat(): Promise<Record<string, number>> {
  // A window of 10k values, so that all 10k keys stay in it.
  const { c, stop } = await serve('stat', { window_size: 10_000 });
  try {
    const push = await perSecond(CALLS, 32, (i) => c.call('push', `k${i % 10_000}`, rand() * 100));
    return {
      push_per_sec: push,
      sum_p50_ms: await latency(1000, (i) => c.call('sum', `k${i % 10_000}`)),
      moment_p50_ms: await latency(1000, (i) => c.call('moment', `k${i % 10_000}`, 2, 0)),
    };
  } finally {
    c.close();
    await stop();
  }
}

async function bandit(): Promise<Record<string, number>> {
  const { c, stop } = await serve('bandit');
  try {
    for (let a = 0; a < 10; a++) await c.call('register_arm', `arm${a}`);
    const pairs = await perSecond(CALLS / 2, 8, async (i) => {
      const player = `p${i % 8}`;
      const arm = (await c.call('select_arm', player)) as string;
      await c.call('register_reward', player, arm, rand() < 0.3 ? 1 : 0);
    });
    return { select_and_reward_per_sec: pairs };
  } finally {
    c.close();
    await stop();
  }
}

async function burst(): Promise<Record<string, number>> {
  const { c, stop } = await serve('burst');
  try {
    const words = Array.from({ length: 100 }, (_, i) => `kw${i}`);
    for (const w of words) await c.call('add_keyword', [w, 2, 1]);
    let pos = 0;
    const docs = (): unknown[] => Array.from({ length: 20 }, () => [(pos += 0.05), `${words[Math.floor(rand() * 100)]} ${words[Math.floor(rand() * 100)]} text`]);
    const calls = Math.max(1, Math.floor(CALLS / 20));
    const perCall = await perSecond(calls, 8, () => c.call('add_documents', docs()));
    return { add_documents_calls_per_sec: perCall, documents_per_sec: perCall * 20, keywords: words.length };
  } finally {
    c.close();
    await stop();
  }
}

try {
  console.log(JSON.stringify({ bench: 'stat-bandit-burst', calls: CALLS, stat: await stat(), bandit: await bandit(), burst: await burst() }));
} finally {
  killStarted();
}
