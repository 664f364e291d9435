import fs from 'node:fs';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { ID_PLACEHOLDER, compileArgs, hasPlaceholder, parseArgsTemplate } from '../cli/bench-args.js';
import { callError, callFlags, clientFor, describeTarget, resolveService, targetFor } from '../cli/call-session.js';
import { signature } from '../idl/json-values.js';
import type { ServiceClient } from '../client/service-client.js';
import { runBench, type BenchResult, type IntervalReport } from '../control/bench-runner.js';
import type { CallTarget } from '../control/call-target.js';
import { presetsOf } from '../control/engine-presets.js';
import { JubaError } from '../errors.js';

export default class Bench extends BaseCommand {
  static override summary = 'Load a server or proxy with concurrent calls and report the rate and latency (the hands-on\'s jubameter).';
  static override description = `Each of -c clients has its own connection and keeps --depth calls in flight, for -d seconds
(Ctrl-C stops early and still prints the totals). Prints the calls of every interval as it runs, then
totals: calls, errors by message, calls/s, and p50/p90/p99/max latency.
Each engine has a default call: nearest_neighbor similar_row_from_id with a random stored id (from
get_all_rows) and ret_num 10; classifier classify and regression estimate of one small datum.
Any method: --method M --args '["{id}", 10]', one JSON element per parameter; "{id}" inside any
string becomes a random id (from get_all_rows, or --ids-file).`;

  static override examples = [
    '<%= config.bin %> bench -t nearest_neighbor -n sensor_nn -c 8 -d 30',
    '<%= config.bin %> bench -t nearest_neighbor -s 127.0.0.1:9199 --method similar_row_from_datum --args \'[{"x": 1, "y": 2}, 5]\'',
    '<%= config.bin %> bench -t nearest_neighbor --method neighbor_row_from_id --args \'["{id}", 3]\' --ids-file ids.txt --json',
  ];

  static override enableJsonFlag = true;
  static override flags = {
    ...callFlags,
    concurrency: Flags.integer({ char: 'c', default: 4, min: 1, max: 1024, description: 'concurrent clients, each with its own connection' }),
    duration: Flags.integer({ char: 'd', default: 30, min: 1, max: 86_400, description: 'seconds to run' }),
    depth: Flags.integer({ default: 1, min: 1, max: 1024, description: 'calls each client keeps in flight (pipelining)' }),
    method: Flags.string({ description: 'method to call (default: the engine\'s analysis call, e.g. similar_row_from_id, classify)' }),
    args: Flags.string({ description: `arguments as a JSON array; "${ID_PLACEHOLDER}" in a string becomes a random id` }),
    'ids-file': Flags.string({ description: 'file of ids, one per line, for {id} (default: the server\'s get_all_rows)' }),
    'report-every': Flags.integer({ default: 5, min: 1, description: 'seconds between progress lines' }),
  };

  async run(): Promise<BenchResult> {
    const { flags: f } = await this.parse(Bench);
    const { type, descriptor } = await resolveService(f);
    const preset = presetsOf(type)?.bench;
    const methodName = f.method ?? preset?.method;
    if (!methodName) {
      throw new JubaError(`juba bench has no default method for ${type}`, { code: 'usage', hint: 'pass --method NAME and --args \'[...]\'' });
    }
    const target = await targetFor(f, type);
    const clients = Array.from({ length: f.concurrency }, () => clientFor(descriptor, target, f));
    try {
      const m = clients[0]!.method(methodName);
      const template = f.args !== undefined ? parseArgsTemplate(m, f.args)
        : !f.method || f.method === preset?.method ? preset?.args
        : m.params.length === 0 ? [] : undefined;
      if (!template) throw new JubaError(`--args is needed for ${methodName}`, { code: 'usage', hint: `${signature(m)}; e.g. --args '["${ID_PLACEHOLDER}", 10]'` });
      const ids = hasPlaceholder(template) ? await this.idPool(clients[0]!, target, f['ids-file']) : [];
      const nextArgs = compileArgs(descriptor, m, template, () => ids[(Math.random() * ids.length) | 0]!);
      if (!hasPlaceholder(template)) await this.probe(clients[0]!, target);
      if (target.via !== 'default' && target.via !== 'given') process.stderr.write(`juba: calling ${describeTarget(target)}\n`);
      if (!this.jsonEnabled()) {
        this.log(`${methodName} on ${target.host}:${target.port}: ${f.concurrency} client(s) x depth ${f.depth} for ${f.duration} s${ids.length ? `, ${ids.length} ids` : ''}`);
      }
      const result = await this.runInterruptible(clients, target, methodName, nextArgs, f);
      this.report(result);
      return result;
    } finally {
      for (const c of clients) c.close();
    }
  }

  /** Fails fast (with the usual unreachable hint) before the clock starts. */
  private async probe(client: ServiceClient, target: CallTarget): Promise<void> {
    try {
      await client.call('get_config');
    } catch (e) {
      throw callError(e, 'get_config', target);
    }
  }

  private async idPool(client: ServiceClient, target: CallTarget, file: string | undefined): Promise<string[]> {
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

  private async runInterruptible(
    clients: ServiceClient[], target: CallTarget, method: string, nextArgs: () => unknown[],
    f: { duration: number; depth: number; 'report-every': number },
  ): Promise<BenchResult> {
    const abort = new AbortController();
    const onSigint = (): void => abort.abort();
    process.once('SIGINT', onSigint);
    try {
      return await runBench({
        clients, method, nextArgs, target: `${target.host}:${target.port}`,
        durationMs: f.duration * 1000, depth: f.depth, reportEveryMs: f['report-every'] * 1000,
        signal: abort.signal, onInterval: (r) => this.progress(r),
      });
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
  }

  private progress(r: IntervalReport): void {
    if (this.jsonEnabled()) process.stderr.write(`${JSON.stringify({ interval: r })}\n`);
    else this.log(`${`${r.atSec.toFixed(1)} s`.padStart(8)}  ${String(r.calls).padStart(8)} calls  ${r.callsPerSec.toFixed(1).padStart(10)} calls/s  ${r.errors} errors`);
  }

  private report(r: BenchResult): void {
    if (!this.jsonEnabled()) {
      const l = r.latencyMs;
      this.log(`${r.interrupted ? 'interrupted; ' : ''}calls: ${r.calls} (ok ${r.ok}, errors ${r.errors}) in ${r.durationSec} s`);
      this.log(`rate: ${r.callsPerSec} calls/s`);
      this.log(`latency ms: p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  max ${l.max}  mean ${l.mean}`);
      for (const [msg, n] of Object.entries(r.errorsByMessage)) this.log(`  ${n} x ${msg}`);
    }
    if (r.ok === 0) {
      if (this.jsonEnabled()) this.logJson(r);
      const first = Object.keys(r.errorsByMessage)[0];
      throw new JubaError(r.calls === 0 ? 'no call completed' : `every call failed (${first})`, {
        code: r.transportErrors === r.errors ? 'unreachable' : 'failed',
        hint: 'check the target with juba call ... get_status, and the arguments with --args',
      });
    }
  }
}
