/**
 * What `juba config write` checks before it stores anything: the file reads, is JSON, and (for
 * a shipped engine) builds the engine, so everything a server would refuse at startup is
 * refused here. A user service (--idl) takes any JSON: its implementation reads it.
 */
import fs from 'node:fs';
import { engineFactory } from '../engine/registry.js';
import { ConfigError, JubaError } from '../errors.js';
import { parseJsonText } from '../server/json-config.js';
import { loadUserDescriptor } from '../server/user-service.js';

export interface ConfigFileArgs {
  file: string;
  /** -t: an engine type, or with --idl the service name (default: the IDL's only service). */
  type?: string;
  /** --idl: the IDL of a user service. */
  idl?: string;
}

/** The type the config is stored under and the file's exact bytes, once they pass the checks. */
export function checkedConfigFile(a: ConfigFileArgs): { type: string; bytes: Buffer } {
  const type = a.idl ? loadUserDescriptor(a.idl, a.type).name : engineType(a.type);
  const bytes = readFile(a.file);
  const json = checkJson(type, a.file, bytes);
  if (!a.idl) checkEngineConfig(type, a.file, json);
  return { type, bytes };
}

function readFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new JubaError(`can't read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      code: 'not_found',
      hint: 'check the path given to -f/--file',
    });
  }
}

function engineType(t: string | undefined): string {
  if (!t) {
    throw new JubaError('name the engine with -t, or give --idl for a service of your own', {
      code: 'usage',
      hint: 'e.g. juba config write -t nearest_neighbor -n NAME -f config.json',
    });
  }
  try {
    return engineFactory(t).type;
  } catch (e) {
    if (!(e instanceof JubaError)) throw e;
    throw new JubaError(e.message, { code: e.code, hint: `${e.hint ?? ''}; for a service of your own pass --idl <file.idl>` });
  }
}

function checkJson(type: string, file: string, bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  if (text.trim() === '') {
    throw new JubaError(`config is empty: ${file}`, { code: 'usage', hint: `put the ${type} JSON config in the file ({} when it needs none)` });
  }
  return parseJsonText(text, file);
}

function checkEngineConfig(type: string, file: string, json: unknown): void {
  try {
    engineFactory(type).create(json, { owner: 'config-check' });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new JubaError(`invalid ${type} config in ${file}: ${e.message}`, {
      code: 'usage',
      hint: `fix ${e.path ? `the key ${e.path}` : 'the config'}; nothing was stored`,
    });
  }
}
