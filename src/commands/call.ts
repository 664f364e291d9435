import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { formatResult, toJson } from '../cli/call-output.js';
import { callFlags, clientFor, describeTarget, resolveService, targetFor } from '../cli/call-session.js';
import { callError } from '../control/call-target.js';
import { argsFromWords, signature } from '../idl/json-values.js';
import { serviceMethods } from '../client/service-client.js';
import type { ServiceDescriptor } from '../idl/types.js';

/** What the built-ins do, for --list (their declarations carry no IDL docs). */
const BUILTIN_DOCS: Record<string, string[]> = {
  get_config: ['The config JSON the server runs with.'],
  save: ['Writes the model to a file named by `id` on every server; answers each server\'s file path.'],
  load: ['Replaces the model with the file saved under `id`, on every server.'],
  get_status: ['Each server\'s status (and counters), keyed by ip_port.'],
  do_mix: ['Runs a MIX round now (distributed servers only).'],
  get_proxy_status: ['The proxy\'s own status (proxies only).'],
};

interface MethodInfo {
  name: string;
  signature: string;
  doc: string[];
}

export default class Call extends BaseCommand {
  static override summary = 'Call any method of a server or proxy, with arguments typed by the engine\'s IDL.';
  static override description = `One shell word per parameter: strings as they are, numbers and bools parsed, datums, structs, lists and maps as JSON.
A datum is {"x": 1.5, "name": "abc"} (numbers become num_values, strings string_values) or
{"string_values": [["k","v"]], "num_values": [["k",1]], "binary_values": [["k","<base64>"]]}. raw is base64; null passes a nullable.
Put -- before arguments that start with a dash (negative numbers).
Without METHOD (or with --list) prints the methods with their signatures and docs.`;

  static override examples = [
    '<%= config.bin %> call -t nearest_neighbor -n sensor_nn set_row p1 \'{"x": 1.5, "y": 0.2}\'',
    '<%= config.bin %> call -t nearest_neighbor -n sensor_nn -s 127.0.0.1:9199 similar_row_from_id p1 5',
    '<%= config.bin %> call -t nearest_neighbor -n sensor_nn -z 127.0.0.1:2181 get_status --json',
    '<%= config.bin %> call -t nearest_neighbor --list',
    '<%= config.bin %> call --idl my_service.idl -s 127.0.0.1:9200 my_method \'["a", 1]\'',
  ];

  static override strict = false;
  static override enableJsonFlag = true;
  static override args = {
    method: Args.string({ description: 'method to call (omit to list them)' }),
    args: Args.string({ description: 'arguments, one per IDL parameter' }),
  };

  static override flags = {
    ...callFlags,
    list: Flags.boolean({ char: 'l', default: false, description: 'list the methods with their signatures and docs' }),
  };

  async run(): Promise<unknown> {
    const { argv, flags: f } = await this.parse(Call);
    const [method, ...words] = argv as string[];
    const { type, descriptor } = await resolveService(f);
    if (f.list || !method) return this.listMethods(descriptor);

    const target = await targetFor(f, type);
    const client = clientFor(descriptor, target, f);
    try {
      const m = client.method(method);
      const args = argsFromWords(descriptor, m, words);
      if (target.via === 'proxy' || target.via === 'member') process.stderr.write(`juba: calling ${describeTarget(target)}\n`);
      let result: unknown;
      try {
        result = await client.call(method, ...args);
      } catch (e) {
        throw callError(e, method, target);
      }
      if (!this.jsonEnabled()) for (const line of formatResult(descriptor, m.returnType, result)) this.log(line);
      return toJson(descriptor, m.returnType, result);
    } finally {
      client.close();
    }
  }

  private listMethods(descriptor: ServiceDescriptor): MethodInfo[] {
    const list = serviceMethods(descriptor).map((m) => ({ name: m.name, signature: signature(m), doc: m.doc.length ? m.doc : BUILTIN_DOCS[m.name] ?? [] }));
    if (!this.jsonEnabled()) {
      this.log(`${descriptor.name} methods (the cluster name, -n, is sent first and not listed):`);
      for (const m of list) {
        this.log(`  ${m.signature}`);
        for (const d of m.doc) this.log(`      ${d}`);
      }
    }
    return list;
  }
}
