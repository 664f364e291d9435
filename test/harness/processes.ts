/**
 * Helpers for tests that run real `juba` processes on loopback: free ports, spawning the CLI
 * (the built `bin/run.js`), waiting for log lines, and stopping only what we started, by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MsgReader } from '../../src/msgpack/reader.js';
import { MsgWriter } from '../../src/msgpack/writer.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const JUBA = path.join(ROOT, 'bin/run.js');

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export interface JubaProcess {
  proc: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr (the log) matches, rejects on exit or timeout. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

const started = new Set<ChildProcess>();

export function runJuba(args: string[], env: NodeJS.ProcessEnv = {}): JubaProcess {
  const proc = spawn(process.execPath, [JUBA, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(proc);
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => {
    err += d;
    for (const w of waiters.slice()) w();
  });
  const exited = new Promise<number | string>((resolve) =>
    proc.on('exit', (code, sig) => {
      started.delete(proc);
      resolve(code ?? sig ?? -1);
      for (const w of waiters.slice()) w();
    }),
  );
  return {
    proc,
    pid: proc.pid!,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLog(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out waiting for ${pattern} in juba ${args.join(' ')}; stderr:\n${err}`));
        }, timeoutMs);
        const check = (): void => {
          if (pattern.test(err)) {
            done();
            resolve();
          } else if (proc.exitCode !== null || proc.signalCode !== null) {
            done();
            reject(new Error(`juba ${args.join(' ')} exited (${proc.exitCode ?? proc.signalCode}) before ${pattern}; stderr:\n${err}`));
          }
        };
        const done = (): void => {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
        };
        waiters.push(check);
        check();
      });
    },
    stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) process.kill(proc.pid!, signal);
      return exited;
    },
  };
}

/** Runs juba to completion and returns its exit code and output. */
export async function runJubaToEnd(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const p = runJuba(args, env);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Kills (by pid) every juba process this test file started and has not seen exit. */
export function killStarted(): void {
  for (const p of started) {
    if (p.pid) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  started.clear();
}

/** Whether a process with this pid exists (signal 0 probes without signalling). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `juba serve …` on -p 0 (bound to loopback), waits for its start log line and reads the
 * port it chose from that line.
 */
export async function startServing(args: string[], ready: RegExp, timeoutMs = 30_000): Promise<{ p: JubaProcess; port: number }> {
  const p = runJuba(['serve', ...args, '-p', '0', '-b', '127.0.0.1']);
  await p.waitForLog(ready, timeoutMs);
  const m = /"address":"127\.0\.0\.1:(\d+)"/.exec(p.stderr());
  if (!m) throw new Error(`no listening address in the start log of juba serve ${args.join(' ')}:\n${p.stderr()}`);
  return { p, port: Number(m[1]) };
}

/**
 * One try of what the official clients' test helpers send while a server starts: an unknown
 * method on a fresh connection. Resolves with the answer's error field (1 = "no such method"),
 * or undefined when nothing listens yet.
 */
export function tryUnknownMethod(port: number): Promise<unknown> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('error', () => resolve(undefined));
    s.once('connect', () => {
      const w = new MsgWriter(64);
      w.arrayHeader(4);
      w.int(0);
      w.int(1);
      w.str('no_such_method');
      w.arrayHeader(1);
      w.str('');
      s.write(w.toBytes());
    });
    s.once('data', (d) => {
      s.destroy();
      resolve((new MsgReader(d).read() as unknown[])[2]);
    });
  });
}
