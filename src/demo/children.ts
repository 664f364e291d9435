/**
 * The `juba` processes a demo starts: each logs to its own file, is known by pid, and is
 * stopped (SIGTERM, then SIGKILL after a grace period) when the demo ends, however it ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ServiceClient } from '../client/service-client.js';
import { JubaError } from '../errors.js';
import type { ServiceDescriptor } from '../idl/types.js';
import { JUBA_BIN } from '../server/visor.js';

export interface Child {
  label: string;
  proc: ChildProcess;
  pid: number;
  log: string;
  exited: Promise<void>;
}

const STOP_GRACE_MS = 5000;

export class Children {
  readonly list: Child[] = [];

  constructor(private readonly logDir: string) {}

  /** Starts `juba <args>` with output to `<logDir>/<label>.log` (or inherited stdio for the dashboard). */
  start(label: string, args: string[], opts: { inheritStdio?: boolean } = {}): Child {
    const log = path.join(this.logDir, `${label}.log`);
    const fd = opts.inheritStdio ? undefined : fs.openSync(log, 'a');
    const proc = spawn(process.execPath, [JUBA_BIN, ...args], {
      stdio: fd === undefined ? 'inherit' : ['ignore', fd, fd],
      env: process.env,
    });
    if (fd !== undefined) fs.closeSync(fd);
    const exited = new Promise<void>((r) => {
      if (proc.exitCode !== null || proc.signalCode !== null) r();
      else proc.once('exit', () => r());
    });
    const child: Child = { label, proc, pid: proc.pid!, log, exited };
    this.list.push(child);
    return child;
  }

  /**
   * Waits until the child answers get_status (a proxy: get_proxy_status, which needs no cluster
   * behind it); fails with the end of its log if it exits first.
   */
  async waitAnswering(child: Child, service: ServiceDescriptor, port: number, opts: { proxy?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const client = new ServiceClient(service, { host: '127.0.0.1', port, timeoutMs: 2000 });
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
          throw new JubaError(`${child.label} exited (${child.proc.exitCode ?? child.proc.signalCode}) while starting`, {
            code: 'failed',
            hint: `its log ends with:\n${tail(child.log)}`,
          });
        }
        try {
          await (opts.proxy ? client.getProxyStatus() : client.getStatus());
          return;
        } catch {
          if (Date.now() > deadline) {
            throw new JubaError(`${child.label} did not answer on 127.0.0.1:${port} within ${timeoutMs / 1000} s`, {
              code: 'failed',
              hint: `see its log: ${child.log}`,
            });
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    } finally {
      client.close();
    }
  }

  /** Stops every child still running, last started first. */
  async stopAll(): Promise<void> {
    for (const c of [...this.list].reverse()) await stopChild(c);
  }
}

export async function stopChild(c: Child): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  try {
    process.kill(c.pid, 'SIGTERM');
  } catch {
    return;
  }
  const t = setTimeout(() => {
    try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ }
  }, STOP_GRACE_MS);
  await c.exited;
  clearTimeout(t);
}

function tail(file: string, lines = 8): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
