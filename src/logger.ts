/** Structured logs with pino, to stderr by default (stdout belongs to command output and Ink). */
import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Log file path; stderr when absent. */
  file?: string;
  base?: Record<string, unknown>;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const dest = opts.file
    ? pino.destination({ dest: opts.file, mkdir: true, sync: false })
    : pino.destination({ fd: 2, sync: false });
  return pino({ level: opts.level ?? process.env.JUBA_LOG_LEVEL ?? 'info', base: opts.base ?? {} }, dest);
}

/** A logger that drops everything: for library use and unit tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
