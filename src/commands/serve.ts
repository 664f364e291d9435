import { Args, Flags, type Interfaces } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { engineTypes } from '../engine/registry.js';
import { runServe } from '../server/serve-main.js';
import { SERVE_FLAGS, type FlagSpec, type ServeFlags } from '../server/serve-flags.js';

/** An oclif flag from its row in SERVE_FLAGS (absent keys stay absent). */
function oclifFlag(spec: FlagSpec) {
  const common = {
    description: spec.description,
    ...(spec.char ? { char: spec.char as 'a' } : {}),
    ...(spec.dependsOn ? { dependsOn: spec.dependsOn } : {}),
  };
  if (spec.kind === 'boolean') return Flags.boolean({ ...common, default: spec.default as boolean });
  if (spec.kind === 'integer') {
    return Flags.integer({
      ...common,
      ...(spec.default !== undefined ? { default: spec.default as number } : {}),
      ...(spec.min !== undefined ? { min: spec.min } : {}),
      ...(spec.max !== undefined ? { max: spec.max } : {}),
    });
  }
  return Flags.string({
    ...common,
    ...(spec.default !== undefined ? { default: spec.default as string } : {}),
    ...(spec.options ? { options: [...spec.options] } : {}),
  });
}

export default class Serve extends BaseCommand {
  static override summary = 'Run an engine server (jubaX), standalone with -f or in a cluster with -z/-n; or a service of your own from its IDL.';
  static override description = `Options keep Jubatus's names, short flags and defaults, so existing scripts work unchanged.
Standalone: juba serve nearest_neighbor -f config.json
Engines: ${engineTypes().join(', ')} (Jubatus server names such as jubanearest_neighbor are accepted too).

A service of your own: --idl names its IDL file and --impl the ES module implementing its methods
(default export: an object of methods, a factory (config, ctx) => object, or a class). The service
name comes from the IDL (name it as the argument when the IDL declares several); -f is optional
(the config is then {}). With --proxy only --idl is needed.`;

  static override examples = [
    '<%= config.bin %> serve nearest_neighbor -f config.json',
    '<%= config.bin %> serve nearest_neighbor -f config.json -p 9199 -b 127.0.0.1 -m /tmp/model.jubatus',
    '<%= config.bin %> serve nearest_neighbor -f config.json --config_test',
    '<%= config.bin %> serve --idl examples/kvs/kvs.idl --impl examples/kvs/kvs.js -p 9199',
    '<%= config.bin %> serve --idl examples/kvs/kvs.idl --impl examples/kvs/kvs.js -z 127.0.0.1:2181 -n kvs1',
    '<%= config.bin %> serve --idl examples/kvs/kvs.idl --proxy -z 127.0.0.1:2181',
  ];

  static override args = {
    engine: Args.string({ required: false, description: 'engine type, e.g. nearest_neighbor; with --idl, the service to run (default: the IDL\'s only service)' }),
  };

  static override flags = Object.fromEntries(Object.entries(SERVE_FLAGS).map(([name, spec]) => [name, oclifFlag(spec)])) as Interfaces.FlagInput;

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Serve);
    await runServe(args.engine, flags as unknown as ServeFlags, this.config.version);
  }
}
