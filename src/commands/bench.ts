import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { callFlags, clientFor, describeTarget, resolveService, targetFor } from '../cli/call-session.js';
import type { ServiceClient } from '../client/service-client.js';
import { ID_PLACEHOLDER } from '../control/bench-args.js';
import { planBench } from '../control/bench-plan.js';
import { runBench, type BenchResult, type IntervalReport } from '../control/bench-runner.js';
import type { CallTarget } from '../control/call-target.js';
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
    const target = await targetFor(f, type);
    const clients = Array.from({ length: f.concurrency }, () => clientFor(descriptor, target, f));
    try {
      const plan = await planBench({ client: clients[0]!, target, type, method: f.method, args: f.args, idsFile: f['ids-file'] });
      if (target.via !== 'default' && target.via !== 'given') process.stderr.write(`juba: calling ${describeTarget(target)}\n`);
      if (!this.jsonEnabled()) {
        this.log(`${plan.method} on ${target.host}:${target.port}: ${f.concurrency} client(s) x depth ${f.depth} for ${f.duration} s${plan.ids ? `, ${plan.ids} ids` : ''}`);
      }
      const result = await this.runInterruptible(clients, target, plan.method, plan.nextArgs, f);
      this.report(result);
      return result;
    } finally {
      for (const c of clients) c.close();
    }
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
