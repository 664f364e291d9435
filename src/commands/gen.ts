import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { GEN_LANGUAGES, generate, type GenResult } from '../idl/codegen.js';

export default class Gen extends BaseCommand {
  static override summary = 'Generate typed client code (and an implementation skeleton) from an IDL file, like jenerator.';
  static override description = `ts: writes <idl>_types.ts, <idl>_client.ts and the runtime juba_rpc.ts; they need only Node and compile with tsc --strict.
With --skeleton, also <service>_impl.ts for juba serve --idl FILE.idl --impl <compiled module>; an existing skeleton is kept unless --force.
Other languages write clients in the shape of the official Jubatus client of that language; --runtime adds a small runtime on the
language's Debian msgpack library (without it the code uses the official runtime names):
  python  <package>/<service>/{client,types}.py, class NearestNeighbor(jubatus.common.ClientBase); runtime jubatus/common (python3-msgpack)
  ruby    <module>/<service>/{client,types}.rb, Jubatus::NearestNeighbor::Client::NearestNeighbor; runtime jubatus/common (ruby-msgpack)
  java    us/jubat/<service>/NearestNeighborClient.java and a class per message; runtime us.jubat.common (libmsgpack-java)
  go      <service>/{client,types}.go, NearestNeighborClient with (result, error) methods; runtime <package>/common (ugorji codec, GOPATH)
  cpp     jubatus/client/<service>_{client,types}.hpp, jubatus::nearest_neighbor::client::nearest_neighbor; runtime jubatus/client/common
          (header-only, libmsgpack-cxx-dev)
The official Go client has no runtime package, and the Java and C++ code is written against this runtime's API: for those, generate
the runtime once (--runtime) next to the clients.
Names that are keywords of the language get a trailing underscore (del -> del_ in Python); the wire keeps the IDL name. A type a
language cannot hold exactly (ulong in Java) is noted in the code and on stderr.
Files juba gen wrote are replaced when generating again; other existing files only with --force (else exit 2 naming the path).
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
    package: Flags.string({ description: 'python: package (jubatus); ruby: module (Jubatus); java: parent package (us.jubat); go: import path of -o (jubatus); cpp: top namespace (jubatus); ts: unused' }),
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
