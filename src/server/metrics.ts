/**
 * `--metrics_port`: Prometheus's `/metrics` and a `/healthz` probe on a small HTTP server of
 * their own, for engine servers, proxies and visors. Loaded only when the flag is given (a
 * plain `juba serve` never loads prom-client or node:http).
 *
 * Nothing here sits on the RPC path beyond one observer call per answered request: counters
 * are plain increments, and the figures a role already keeps (update counts, MIX totals,
 * ZooKeeper state) are read when Prometheus scrapes. A scrape is a few synchronous reads
 * and never takes the model lock, so it neither waits for MIX nor holds up an RPC.
 */
import http from 'node:http';
import client from 'prom-client';
import { SESSION_STATES } from '../cluster/session.js';
import { sizeOf } from '../control/engine-presets.js';
import { JubaError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { DistributedServer } from './distributed.js';
import type { EngineServer } from './engine-server.js';
import type { Proxy } from './proxy.js';
import type { Visor } from './visor.js';

/** `--metrics_port`'s value: a port, or undefined for `-`/empty (off). */
export function parseMetricsPort(raw: string | number | undefined): number | undefined {
  if (raw === undefined || raw === '' || raw === '-') return undefined;
  const s = String(raw);
  const n = Number(s);
  if (!/^\d+$/.test(s) || n > 65535) {
    throw new JubaError(`--metrics_port must be a port (0-65535) or -, not ${s}`, { code: 'usage', hint: 'e.g. --metrics_port 9100' });
  }
  return n;
}

export interface MetricsEndpoint {
  readonly registry: client.Registry;
  /** The bound port (useful with 0). */
  readonly port: number;
  /** What /healthz asks: a reason to answer 503, or undefined for 200. */
  setHealth(check: () => string | undefined): void;
  close(): Promise<void>;
}

/**
 * Binds the metrics port (before the role registers anywhere: a taken port stops the
 * process with a message naming it) and serves /metrics and /healthz. Until `setHealth` is
 * called /healthz answers 503 "starting".
 */
export async function startMetricsEndpoint(port: number, host: string, logger: Logger): Promise<MetricsEndpoint> {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  let health: () => string | undefined = () => 'starting';
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (url === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (e: unknown) => {
          logger.warn({ err: (e as Error).message }, 'metrics collection failed');
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(e as Error).message}\n`);
        },
      );
    } else if (url === '/healthz') {
      let why: string | undefined;
      try {
        why = health();
      } catch (e) {
        why = (e as Error).message;
      }
      res.writeHead(why ? 503 : 200, { 'content-type': 'text/plain' }).end(why ? `${why}\n` : 'ok\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('try /metrics or /healthz\n');
    }
  });
  const bound = await new Promise<number>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'EADDRINUSE' ? 'is in use' : e.code === 'EACCES' ? 'is not allowed' : `cannot be bound (${e.message})`;
      reject(new JubaError(`metrics port ${port} ${why}`, {
        code: 'usage',
        hint: `pick another --metrics_port, or - for none`,
      }));
    });
    server.listen({ port, host, exclusive: true }, () => resolve((server.address() as { port: number }).port));
  });
  server.unref();
  logger.info({ metrics: `http://${host === '0.0.0.0' ? 'localhost' : host}:${bound}/metrics` }, 'metrics endpoint listening');
  return {
    registry,
    port: bound,
    setHealth: (check) => (health = check),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const RPC_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A counter whose value is read from `value()` at scrape time (a total the role keeps). */
function readCounter(reg: client.Registry, name: string, help: string, value: () => number): void {
  new client.Counter({
    name, help, registers: [reg],
    collect() {
      this.reset();
      const v = value();
      if (v > 0) this.inc(v);
    },
  });
}

function readGauge(reg: client.Registry, name: string, help: string, value: () => number): void {
  new client.Gauge({ name, help, registers: [reg], collect() { this.set(value()); } });
}

/** RPC calls by method and outcome with their latency; returns the observer to install. */
function rpcMetrics(reg: client.Registry, prefix: string, what: string): (method: string, outcome: 'ok' | 'error', seconds: number) => void {
  const total = new client.Counter({ name: `${prefix}_requests_total`, help: `${what} answered, by method and outcome`, labelNames: ['method', 'outcome'], registers: [reg] });
  const duration = new client.Histogram({
    name: `${prefix}_request_duration_seconds`, help: `${what}: time from dispatch to reply`, labelNames: ['method'], buckets: RPC_BUCKETS, registers: [reg],
  });
  return (method, outcome, seconds) => {
    total.inc({ method, outcome });
    duration.observe({ method }, seconds);
  };
}

/** The model's size, read from the engine's size preset (the first numeric key found). */
function rowsOf(server: EngineServer): number {
  const status = server.engine.status();
  for (const key of sizeOf(server.engine.type).keys) {
    const n = Number(status[key]);
    if (status[key] !== undefined && Number.isFinite(n)) return n;
  }
  return 0;
}

/**
 * An engine server's metrics. `ds` is the cluster side (MIX, ZooKeeper session) when the
 * server runs in a cluster; health is 503 until registered, while a model loads, and while
 * the session is not registered.
 */
export function instrumentServer(m: MetricsEndpoint, server: EngineServer, ds?: DistributedServer, serving: () => boolean = () => true): void {
  const reg = m.registry;
  const type = server.engine.type;
  reg.setDefaultLabels({ engine: type });
  server.rpcObserver = rpcMetrics(reg, 'juba_rpc', 'RPC calls');
  readCounter(reg, 'juba_updates_total', 'model updates (update RPCs, MIX puts and loads)', () => server.counters.update);
  readCounter(reg, 'juba_analyses_total', 'analysis calls', () => server.counters.analysis);
  readCounter(reg, 'juba_update_seconds_total', 'time spent in updates', () => server.counters.updateUsec / 1e6);
  readCounter(reg, 'juba_analysis_seconds_total', 'time spent in analysis calls', () => server.counters.analysisUsec / 1e6);
  readGauge(reg, 'juba_model_rows', `the model's size (${sizeOf(type).label})`, () => rowsOf(server));
  readGauge(reg, 'juba_model_loading', '1 while a model file is being loaded', () => (server.loadingModels > 0 ? 1 : 0));
  if (ds) {
    const stats = ds.mixer.stats;
    new client.Counter({
      name: 'juba_mix_rounds_total',
      help: 'MIX rounds: role="master" ran here, role="participant" applied a mixed model here (a linear_mixer master is both)',
      labelNames: ['role'], registers: [reg],
      collect() {
        this.reset();
        this.inc({ role: 'master' }, stats.rounds);
        this.inc({ role: 'participant' }, stats.participated);
      },
    });
    readCounter(reg, 'juba_mix_bytes_total', 'bytes of mixed model exchanged in rounds run here', () => stats.bytesTotal);
    readCounter(reg, 'juba_mix_failures_total', 'failed MIX rounds and failed calls to members in a round', () => stats.failures);
    const duration = new client.Histogram({
      name: 'juba_mix_round_duration_seconds', help: 'duration of MIX rounds run here', buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30], registers: [reg],
    });
    stats.onRound = (seconds) => duration.observe(seconds);
    new client.Gauge({
      name: 'juba_zookeeper_session_state', help: 'the ZooKeeper session: 1 for the current state', labelNames: ['state'], registers: [reg],
      collect() {
        const now = ds.session().state;
        for (const s of SESSION_STATES) this.set({ state: s }, s === now ? 1 : 0);
      },
    });
    readCounter(reg, 'juba_zookeeper_session_renewals_total', 'new ZooKeeper sessions opened after an expiry', () => ds.session().renewals);
    readGauge(reg, 'juba_zookeeper_registered', '1 while this server is registered in ZooKeeper', () => (ds.session().registered ? 1 : 0));
  }
  m.setHealth(() => {
    if (!serving()) return 'starting';
    if (server.loadingModels > 0) return 'loading a model';
    if (ds && !ds.session().registered) return `not registered in ZooKeeper (session ${ds.session().state})`;
    return undefined;
  });
}

/** A proxy's metrics: requests, forwards by method, failures by member, members per cluster. */
export function instrumentProxy(m: MetricsEndpoint, proxy: Proxy, engineType: string): void {
  const reg = m.registry;
  reg.setDefaultLabels({ engine: engineType });
  const forwards = new client.Counter({ name: 'juba_proxy_forwards_total', help: 'calls forwarded to servers, by method', labelNames: ['method'], registers: [reg] });
  const errors = new client.Counter({ name: 'juba_proxy_member_errors_total', help: 'forwarded calls that failed, by member', labelNames: ['member', 'method'], registers: [reg] });
  proxy.instrument({
    request: rpcMetrics(reg, 'juba_proxy', 'requests to the proxy'),
    forwarded: (method, n) => forwards.inc({ method }, n),
    memberFailed: (member, method) => errors.inc({ member, method }),
  });
  new client.Gauge({
    name: 'juba_proxy_cluster_members', help: 'servers in actives/ of each cluster the proxy routes to', labelNames: ['cluster'], registers: [reg],
    collect() {
      this.reset();
      for (const [cluster, n] of proxy.memberCounts()) this.set({ cluster }, n);
    },
  });
  m.setHealth(() => undefined);
}

/** A visor's metrics: children running, restarts. */
export function instrumentVisor(m: MetricsEndpoint, visor: Visor): void {
  const reg = m.registry;
  readGauge(reg, 'juba_visor_children', 'servers this visor runs', () => visor.list().length);
  readGauge(reg, 'juba_visor_children_running', 'servers of this visor with a live process', () => visor.list().filter((c) => c.pid !== null).length);
  readCounter(reg, 'juba_visor_restarts_total', 'servers restarted after an unexpected exit', () => visor.restarts);
  m.setHealth(() => undefined);
}
