/**
 * Every juba command extends this: errors become one clear line on stderr (what went wrong,
 * then what to do) and the exit code of the error's kind (0 ok, 1 failed, 2 usage, 3 not found,
 * 4 unreachable/timeout, 5 partial failure).
 */
import { Command } from '@oclif/core';
import { JubaError, errorReport } from './errors.js';

export abstract class BaseCommand extends Command {
  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (err instanceof JubaError) {
      process.stderr.write(errorReport(err));
      this.exit(err.exitCode);
    }
    // oclif v4 loses the exit code under --json unless it is copied here.
    if (err.oclif?.exit !== undefined) err.exitCode = err.oclif.exit;
    return super.catch(err);
  }
}
