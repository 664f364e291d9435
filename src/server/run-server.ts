/**
 * Starting a standalone engine server the way `jubaX -f config.json` does: read the config (or
 * a model file), check it, listen, load `--model_file`, and stop gracefully on SIGINT/SIGTERM.
 */
import fs from 'node:fs';
import { JubaError } from '../errors.js';
import type { Logger } from '../logger.js';
import { EngineServer } from './engine-server.js';
import { decodeModelFile } from './model-file.js';
import { advertisedAddress, type ServerOptions } from './options.js';
import type { ServedService } from './served-service.js';

function readConfigFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new JubaError(`can't read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      code: 'not_found',
      hint: 'check the path given to -f/--configpath',
    });
  }
}

/** A user service started without -f or -m runs with this config. */
export const EMPTY_CONFIG = '{}';

/**
 * Where the config comes from: -f, or the config embedded in -m (which wins when both are
 * given); a user service may have neither (validateServerOptions checks).
 */
function standaloneConfig(type: string, o: ServerOptions, logger: Logger): { text: string; source: string } {
  if (o.modelFile) {
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(o.modelFile);
    } catch {
      throw new JubaError(`cannot open input file: ${o.modelFile}`, { code: 'not_found' });
    }
    const decoded = decodeModelFile(bytes, { type, userDataVersion: NaN, config: undefined, skipUserData: true });
    if (o.configpath) logger.warn({ model_file: o.modelFile }, 'both -f and -m given: the model file\'s config is used');
    return { text: decoded.system.config, source: o.configpath || o.modelFile };
  }
  if (!o.configpath) return { text: EMPTY_CONFIG, source: '' };
  return { text: readConfigFile(o.configpath), source: o.configpath };
}

export interface PreparedServer {
  server: EngineServer;
  /** Listens and loads --model_file; resolves with the bound port. */
  start(): Promise<number>;
}

/** Builds the server (config checked, nothing bound yet). Throws on any config problem. */
export function prepareStandaloneServer(service: ServedService, o: ServerOptions, logger: Logger): PreparedServer {
  const { factory, descriptor } = service;
  const cfg = standaloneConfig(factory.type, o, logger);
  const server = new EngineServer({ factory, descriptor, options: o, configText: cfg.text, configSource: cfg.source, logger });
  return {
    server,
    async start() {
      const port = await server.listen();
      if (o.modelFile) {
        try {
          await server.loadFile(o.modelFile, server.configText);
        } catch (e) {
          await server.close();
          throw e;
        }
      }
      logger.info(
        {
          engine: factory.type, address: `${advertisedAddress(o)}:${port}`, pid: process.pid, mode: 'standalone',
          timeout: o.timeout, threadnum: server.threadCount, datadir: o.datadir, configpath: cfg.source,
        },
        'juba server started',
      );
      return port;
    },
  };
}

/** Stops the server on the first SIGINT/SIGTERM; a second one exits at once. */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const handler = (sig: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal: sig }, 'stopping');
    stop().then(
      () => process.exit(0),
      (e) => {
        logger.error({ err: (e as Error).message }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
