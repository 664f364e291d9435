import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { GEN_LANGUAGES, generate, type GenResult } from '../idl/codegen.js';

export default class Gen extends BaseCommand {
  static override summary = 'Generate typed client code (and an implementation skeleton) from an IDL file, like jenerator.';
  static override description = `ts: writes <idl>_types.ts, <idl>_client.ts and the runtime juba_rpc.ts; they need only Node and compile with tsc --strict.
With --skeleton, also <service>_impl.ts for juba serve --idl FILE.idl --impl <compiled module>; an existing skeleton is kept unless --force.
python: <package>/<service>/{client,types}.py in the official client's shape (package jubatus by default); they import jubatus.common,
which --runtime also writes (on python3-msgpack only).
ruby: jubatus/<service>/{client,types}.rb (Jubatus::<Service>::Client::<Service>); they require jubatus/common, which --runtime writes (on ruby-msgpack).
go: <service>/{client,types}.go (NearestNeighborClient, methods returning (result, error)) importing <package>/common, the runtime
--runtime writes (on Debian's ugorji codec, GOPATH mode); --package is the -o folder's import path (default jubatus).
cpp: jubatus/client/<service>_{client,types}.hpp (jubatus::<service>::client::<service>), header-only; they include
<jubatus/client/common/client.hpp>, which --runtime writes (libmsgpack-cxx-dev, POSIX sockets); --package is the top namespace.
java: us/jubat/<service>/<Service>Client.java and one class per message; they import us.jubat.common, which --runtime writes
(on libmsgpack-java); --package replaces the parent package us.jubat. IDL ulong becomes long (noted in the code and on stderr).
Names that are keywords of the language get a trailing underscore (del -> del_); the wire keeps the IDL name.
Files juba gen wrote are replaced when generating again; other existing files only with --force.
Languages: ${GEN_LANGUAGES.join(', ')}.`;

  static override examples = [
    '<%= config.bin %> gen idl/nearest_neighbor.idl --lang ts -o ./generated',
    '<%= config.bin %> gen my_service.idl -l ts -o src/gen --skeleton',
    '<%= config.bin %> gen examples/kvs/kvs.idl --lang python --runtime -o ./py',
  ];

  static override enableJsonFlag = true;

  static override args = {
    idl: Args.string({ required: true, description: 'the IDL file (its .idl %includes are read too)' }),
  };

  static override flags = {
    lang: Flags.string({ char: 'l', default: 'ts', description: `language to write (${GEN_LANGUAGES.join(', ')})` }),
    out: Flags.string({ char: 'o', default: '.', description: 'folder to write into (created if missing)' }),
    skeleton: Flags.boolean({ default: false, description: 'also write a service implementation skeleton per service' }),
    force: Flags.boolean({ default: false, description: 'replace existing files juba gen did not write, and skeletons' }),
    runtime: Flags.boolean({ default: false, description: "also write the language's self-contained runtime (ts always has it)" }),
    package: Flags.string({ description: 'package / module / namespace to generate into (python: jubatus, ruby: Jubatus, go: import path of -o, default jubatus, cpp: jubatus, java: us.jubat)' }),
  };

  async run(): Promise<GenResult> {
    const { args, flags: f } = await this.parse(Gen);
    const result = generate({
      idlPath: args.idl, lang: f.lang, outDir: f.out, skeleton: f.skeleton, force: f.force,
      runtime: f.runtime, package: f.package, warn: (line) => process.stderr.write(`${line}\n`),
    });
    if (!this.jsonEnabled()) {
      for (const file of result.files) {
        this.log(file.action === 'written' ? `wrote ${file.path}` : `kept ${file.path} (it exists; --force replaces it)`);
      }
    }
    return result;
  }
}
