/** Shared steps of the cluster end-to-end tests. */
import fs from 'node:fs';
import path from 'node:path';
import { runJubaToEnd } from './processes.js';

/** Polls `check` every 200 ms until it holds (errors count as "not yet"); fails naming `what`. */
export async function eventually(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Stores the hands-on config (euclid_lsh, hash_num 64, numeric features only) for each cluster
 * name with `juba config write`, as an operator would; throws with juba's stderr on failure.
 */
export async function writeHandsOnConfig(zkHosts: string, dir: string, names: string[]): Promise<void> {
  const cfg = path.join(dir, 'config.json');
  fs.writeFileSync(cfg, JSON.stringify({
    method: 'euclid_lsh',
    parameter: { hash_num: 64 },
    converter: { num_rules: [{ key: '*', type: 'num' }], string_rules: [] },
  }));
  for (const name of names) {
    const w = await runJubaToEnd(['config', 'write', '-z', zkHosts, '-t', 'nearest_neighbor', '-n', name, '-f', cfg]);
    if (w.code !== 0) throw new Error(`juba config write -n ${name} failed (${w.code}): ${w.stderr}`);
  }
}
