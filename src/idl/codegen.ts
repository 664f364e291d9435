/**
 * `juba gen`: which languages exist, and writing a generator's files into a folder. Generated
 * files are rewritten each time; a skeleton the user fills in is kept unless `force`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { JubaError } from '../errors.js';
import { generateTs, type GeneratedFile } from './codegen-ts.js';
import { loadIdl } from './parser.js';
import type { IdlFile } from './types.js';

type Generator = (idl: IdlFile, opts: { source: string; skeleton?: boolean }) => GeneratedFile[];

const GENERATORS: Record<string, Generator> = { ts: generateTs };

export const GEN_LANGUAGES = Object.keys(GENERATORS);

export interface GenRequest {
  idlPath: string;
  lang: string;
  outDir: string;
  skeleton: boolean;
  /** Replace existing skeletons too. */
  force: boolean;
}

export interface GenResult {
  idl: string;
  lang: string;
  outDir: string;
  files: Array<{ path: string; action: 'written' | 'kept' }>;
}

export function generate(req: GenRequest): GenResult {
  const gen = GENERATORS[req.lang];
  if (!gen) {
    throw new JubaError(`unknown language '${req.lang}'`, { code: 'usage', hint: `juba gen writes: ${GEN_LANGUAGES.join(', ')}` });
  }
  const files = gen(loadIdl(req.idlPath), { source: basename(req.idlPath), skeleton: req.skeleton });
  const outDir = resolve(req.outDir);
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (err) {
    throw new JubaError(`cannot create ${outDir}: ${(err as Error).message}`, { code: 'failed', hint: 'pick another -o folder', cause: err });
  }
  const result: GenResult = { idl: req.idlPath, lang: req.lang, outDir, files: [] };
  for (const f of files) {
    const path = join(outDir, f.path);
    if (f.userOwned && !req.force && existsSync(path)) {
      result.files.push({ path, action: 'kept' });
      continue;
    }
    try {
      writeFileSync(path, f.text);
    } catch (err) {
      throw new JubaError(`cannot write ${path}: ${(err as Error).message}`, { code: 'failed', hint: 'check the -o folder', cause: err });
    }
    result.files.push({ path, action: 'written' });
  }
  return result;
}
