/**
 * One small error hierarchy. `code` is stable (commands map it to exit codes; the rpc layer
 * maps it to wire errors), `message` is what went wrong, `hint` says what to do about it.
 */
export type ErrorCode =
  | 'failed' // 1
  | 'usage' // 2
  | 'not_found' // 3
  | 'unreachable' // 4
  | 'partial'; // 5

const EXIT: Record<ErrorCode, number> = { failed: 1, usage: 2, not_found: 3, unreachable: 4, partial: 5 };

export class JubaError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  constructor(message: string, opts: { code?: ErrorCode; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'JubaError';
    this.code = opts.code ?? 'failed';
    this.hint = opts.hint;
  }
  get exitCode(): number {
    return EXIT[this.code];
  }
}

/** How a command reports a JubaError on stderr: what went wrong, then what to do about it. */
export function errorReport(err: JubaError): string {
  return `juba: ${err.message}\n${err.hint ? `  hint: ${err.hint}\n` : ''}`;
}

/** A configuration the engine or converter refuses; `path` names the offending key. */
export class ConfigError extends JubaError {
  readonly path: string;
  constructor(path: string, message: string) {
    super(path ? `${path}: ${message}` : message, { code: 'usage' });
    this.name = 'ConfigError';
    this.path = path;
  }
}

/** Wire error 2 (ARGUMENT_ERROR): the params do not convert to the method's declared types. */
export class ArgumentError extends JubaError {
  constructor(message: string) {
    super(message, { code: 'usage' });
    this.name = 'ArgumentError';
  }
}

/** Wire error 1 (NO_METHOD_ERROR). */
export class NoMethodError extends JubaError {
  readonly method: string;
  constructor(method: string) {
    super(`no such method: ${method}`, { code: 'not_found' });
    this.name = 'NoMethodError';
    this.method = method;
  }
}
