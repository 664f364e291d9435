/**
 * `juba serve` without oclif: bin/run.js comes here first for `serve`, and when the argv is
 * plain (serve-flags.ts) the server starts with no CLI framework loaded, about 10 MB smaller
 * and sooner. Errors are reported as every juba command reports them.
 */
import fs from 'node:fs';
import { JubaError, errorReport } from '../errors.js';
import { parseServeArgv } from '../server/serve-flags.js';
import { runServe } from '../server/serve-main.js';

/** Runs `juba serve <argv>`; false (nothing done) when oclif must parse this argv. */
export async function fastServe(argv: readonly string[]): Promise<boolean> {
  const parsed = parseServeArgv(argv);
  if (!parsed) return false;
  const version = (): string => (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  try {
    await runServe(parsed.engine, parsed.flags, parsed.flags.version ? version() : '');
  } catch (e) {
    process.stderr.write(e instanceof JubaError ? errorReport(e) : `juba: ${(e as Error).message}\n`);
    process.exit(e instanceof JubaError ? e.exitCode : 1);
  }
  return true;
}
