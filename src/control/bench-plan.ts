/**
 * What `juba bench` calls, decided before the clock starts: the method (the engine's preset, or
 * --method), its argument template (--args, or the preset's), the ids that `{id}` draws from
 * (--ids-file, or the server's get_all_rows), and a probe call so that an unreachable target
 * fails at once with the usual hint.
 */
import fs from 'node:fs';
import type { ServiceClient } from '../client/service-client.js';
import { JubaError } from '../errors.js';
import { signature } from '../idl/json-values.js';
import { ID_PLACEHOLDER, compileArgs, hasPlaceholder, parseArgsTemplate } from './bench-args.js';
import { callError, type CallTarget } from './call-target.js';
import { presetsOf } from './engine-presets.js';

export interface BenchPlanArgs {
  /** One of the bench's clients: reads ids and probes the target. */
  client: ServiceClient;
  target: CallTarget;
  /** The engine (or service) type, for its bench preset. */
  type: string;
  /** --method, --args, --ids-file as given. */
  method?: string;
  args?: string;
  idsFile?: string;
}

export interface BenchPlan {
  method: string;
  /** Arguments of the next call, a random id substituted where the template has `{id}`. */
  nextArgs(): unknown[];
  /** How many ids `{id}` draws from (0 when the template has none). */
  ids: number;
}

export async function planBench(a: BenchPlanArgs): Promise<BenchPlan> {
  const preset = presetsOf(a.type)?.bench;
  const method = a.method ?? preset?.method;
  if (!method) {
    throw new JubaError(`juba bench has no default method for ${a.type}`, { code: 'usage', hint: 'pass --method NAME and --args \'[...]\'' });
  }
  const m = a.client.method(method);
  const template = a.args !== undefined ? parseArgsTemplate(m, a.args)
    : !a.method || a.method === preset?.method ? preset?.args
    : m.params.length === 0 ? [] : undefined;
  if (!template) throw new JubaError(`--args is needed for ${method}`, { code: 'usage', hint: `${signature(m)}; e.g. --args '["${ID_PLACEHOLDER}", 10]'` });
  const ids = hasPlaceholder(template) ? await idPool(a.client, a.target, a.idsFile) : [];
  const nextArgs = compileArgs(a.client.service, m, template, () => ids[(Math.random() * ids.length) | 0]!);
  // Reading the ids already reached the target.
  if (!hasPlaceholder(template)) await probe(a.client, a.target);
  return { method, nextArgs, ids: ids.length };
}

/** Fails fast (with the usual unreachable hint) before the clock starts. */
async function probe(client: ServiceClient, target: CallTarget): Promise<void> {
  try {
    await client.call('get_config');
  } catch (e) {
    throw callError(e, 'get_config', target);
  }
}

async function idPool(client: ServiceClient, target: CallTarget, file: string | undefined): Promise<string[]> {
  if (file) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new JubaError(`cannot read --ids-file ${file}: ${(e as Error).message}`, { code: 'not_found' });
    }
    const ids = text.split('\n').map((l) => l.trim()).filter(Boolean);
    if (ids.length === 0) throw new JubaError(`--ids-file ${file} has no ids`, { code: 'usage', hint: 'write one id per line' });
    return ids;
  }
  if (!client.service.methods.has('get_all_rows')) {
    throw new JubaError(`${client.service.name} has no get_all_rows to take ids from`, { code: 'usage', hint: 'pass --ids-file FILE (one id per line)' });
  }
  let rows: string[];
  try {
    rows = (await client.call('get_all_rows')) as string[];
  } catch (e) {
    throw callError(e, 'get_all_rows', target);
  }
  if (rows.length === 0) {
    throw new JubaError('no rows to query: feed some first (juba feed / juba source)', {
      code: 'not_found',
      hint: `or call set_row: juba call -t ${client.service.name} set_row ID '{"x": 1}'`,
    });
  }
  return rows;
}
