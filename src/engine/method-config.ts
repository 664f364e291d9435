/**
 * The config shape of engines with learning methods (classifier, regression, …):
 * `{ method, parameter?, converter }`, checked with Jubatus's rules (unknown keys and a missing
 * converter are errors naming the key; an unknown method lists the known ones).
 */
import { ConfigError } from '../errors.js';
import { asObject, checkKeys, reqString } from './config-cast.js';
import { parseConverterConfig } from './fv/config.js';
import { DatumToFvConverter } from './fv/converter.js';

export interface MethodConfig<T> {
  method: string;
  /** The table's entry for `method` (a driver maker). */
  make: T;
  /** The raw `parameter` section, undefined when absent; the method parses it. */
  parameter: unknown;
  converter: DatumToFvConverter;
}

export function parseMethodConfig<T>(config: unknown, methods: Readonly<Record<string, T>>): MethodConfig<T> {
  const root = asObject(config, '');
  checkKeys(root, ['method', 'parameter', 'converter'], '');
  const method = reqString(root, 'method', '');
  const make = methods[method];
  if (make === undefined) {
    throw new ConfigError('method', `unknown method "${method}" (expected one of ${Object.keys(methods).join(', ')})`);
  }
  if (root.converter === undefined || root.converter === null) throw new ConfigError('converter', 'required key is missing');
  return { method, make, parameter: root.parameter ?? undefined, converter: new DatumToFvConverter(parseConverterConfig(root.converter, 'converter')) };
}
