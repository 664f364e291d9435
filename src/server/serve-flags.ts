/**
 * `juba serve`'s flags, in one table: the oclif command builds its flags from it, and the fast
 * path (`bin/run.js` → cli/serve-fast.ts) parses argv with it without loading oclif, which is
 * a quarter of an idle server's memory. The fast parser takes only what it is sure of; anything
 * else (help, an unknown or repeated flag, a value out of range…) goes to oclif, whose
 * messages users already know.
 */
import { MIXERS, PROXY_DEFAULTS, SERVER_DEFAULTS as D } from './options.js';

export interface FlagSpec {
  kind: 'integer' | 'string' | 'boolean';
  char?: string;
  default?: number | string | boolean;
  min?: number;
  max?: number;
  options?: readonly string[];
  dependsOn?: string[];
  description: string;
}

export const SERVE_FLAGS = {
  'rpc-port': { kind: 'integer', char: 'p', default: D.rpcPort, min: 0, max: 65535, description: 'port to listen on (0 picks a free one)' },
  listen_addr: { kind: 'string', char: 'b', default: '', description: 'address to bind; also the advertised address' },
  listen_if: { kind: 'string', char: 'B', default: '', description: 'interface whose IPv4 to bind (ignored with -b)' },
  thread: { kind: 'integer', char: 'c', min: 1, description: 'threads serving analysis calls, this one included (nearest_neighbor queries; at most 64), default 2; the proxy (default 4) runs one event loop' },
  timeout: { kind: 'integer', char: 't', default: D.timeout, min: 0, description: 'idle-connection timeout in seconds (0 = never)' },
  datadir: { kind: 'string', char: 'd', default: D.datadir, description: 'directory for model files (save/load)' },
  logdir: { kind: 'string', char: 'l', default: '', description: 'write logs to a file in this directory instead of stderr' },
  log_config: { kind: 'string', char: 'g', default: '', description: 'JSON log settings file: {"level": "debug", "file": "/path/x.log"}' },
  configpath: { kind: 'string', char: 'f', default: '', description: 'config JSON (standalone mode)' },
  model_file: { kind: 'string', char: 'm', default: '', description: 'model file to load at startup (standalone mode)' },
  daemon: { kind: 'boolean', char: 'D', default: false, description: 'run in the background (detached)' },
  config_test: { kind: 'boolean', char: 'T', default: false, description: 'check the config and exit' },
  zookeeper: { kind: 'string', char: 'z', default: '', description: 'ZooKeeper hosts host:port[,host:port]; absent = standalone (proxy: localhost:2181)' },
  name: { kind: 'string', char: 'n', default: '', description: 'cluster name (distributed mode)' },
  mixer: { kind: 'string', char: 'x', default: D.mixer, options: MIXERS, description: 'MIX strategy' },
  interval_sec: { kind: 'integer', char: 's', default: D.intervalSec, min: 0, description: 'MIX every N seconds (0 = off)' },
  interval_count: { kind: 'integer', char: 'i', default: D.intervalCount, min: 0, description: 'MIX every N updates (0 = off)' },
  zookeeper_timeout: { kind: 'integer', char: 'Z', default: D.zookeeperTimeout, description: 'ZooKeeper session timeout (s)' },
  interconnect_timeout: { kind: 'integer', char: 'I', default: D.interconnectTimeout, description: 'server-to-server call timeout (s)' },
  proxy: { kind: 'boolean', default: false, description: 'run the proxy role (jubaX_proxy): route calls to the clusters of this engine' },
  pool_expire: { kind: 'integer', char: 'E', default: PROXY_DEFAULTS.poolExpire, min: 0, description: 'proxy: idle server connections close after N s' },
  pool_size: { kind: 'integer', char: 'S', default: PROXY_DEFAULTS.poolSize, min: 0, description: 'proxy: most pooled server connections (0 = unlimited)' },
  max_frame: { kind: 'integer', default: D.maxFrameBytes, min: 1024, description: 'largest msgpack-rpc request accepted, in bytes' },
  metrics_port: { kind: 'string', default: '-', description: 'serve Prometheus /metrics and /healthz over HTTP on this port (- = off)' },
  version: { kind: 'boolean', char: 'v', default: false, description: 'print the version and exit' },
  idl: { kind: 'string', description: 'IDL file of a service of your own (instead of a shipped engine)' },
  impl: { kind: 'string', dependsOn: ['idl'], description: 'ES module (.js/.mjs) implementing the --idl service\'s methods' },
} as const satisfies Record<string, FlagSpec>;

type Specs = typeof SERVE_FLAGS;
type ValueOf<S> = S extends { kind: 'integer' } ? number : S extends { kind: 'boolean' } ? boolean : string;

/** Parsed flags: those with a default always hold a value, the others may be absent. */
export type ServeFlags = {
  -readonly [K in keyof Specs]: Specs[K] extends { default: unknown } ? ValueOf<Specs[K]> : ValueOf<Specs[K]> | undefined;
};

export interface ServeArgv {
  engine: string | undefined;
  flags: ServeFlags;
}

const BY_CHAR = new Map<string, keyof Specs>(
  Object.entries(SERVE_FLAGS).flatMap(([name, s]) => ('char' in s ? [[s.char, name as keyof Specs] as const] : [])),
);

function value(spec: FlagSpec, raw: string): number | string | undefined {
  if (spec.kind === 'string') return spec.options && !spec.options.includes(raw) ? undefined : raw;
  if (!/^-?\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) return undefined;
  return n;
}

/**
 * `juba serve`'s argv (after `serve`) when it is plain: `--name value`, `--name=value`,
 * `-x value`, boolean flags, one positional engine. Undefined for anything else, which the
 * caller hands to oclif.
 */
export function parseServeArgv(argv: readonly string[]): ServeArgv | undefined {
  const given: Record<string, number | string | boolean> = {};
  let engine: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    let name: keyof Specs | undefined;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const key = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (!Object.hasOwn(SERVE_FLAGS, key)) return undefined;
      name = key as keyof Specs;
      if (eq >= 0) inline = a.slice(eq + 1);
    } else if (a.startsWith('-') && a.length === 2) {
      name = BY_CHAR.get(a[1]!);
      if (!name) return undefined;
    } else if (a.startsWith('-')) {
      return undefined;
    } else {
      if (engine !== undefined) return undefined;
      engine = a;
      continue;
    }
    if (Object.hasOwn(given, name)) return undefined;
    const spec: FlagSpec = SERVE_FLAGS[name];
    if (spec.kind === 'boolean') {
      if (inline !== undefined) return undefined;
      given[name] = true;
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined || (inline === undefined && raw.startsWith('-') && !/^-\d+$/.test(raw))) return undefined;
    const v = value(spec, raw);
    if (v === undefined) return undefined;
    given[name] = v;
  }
  for (const [name, spec] of Object.entries(SERVE_FLAGS) as Array<[keyof Specs, FlagSpec]>) {
    if (Object.hasOwn(given, name) && spec.dependsOn?.some((d) => !Object.hasOwn(given, d))) return undefined;
  }
  const flags = Object.fromEntries(
    Object.entries(SERVE_FLAGS).map(([name, s]) => [name, Object.hasOwn(given, name) ? given[name] : 'default' in s ? s.default : undefined]),
  ) as ServeFlags;
  return { engine, flags };
}
