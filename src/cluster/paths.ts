/** The ZooKeeper layout Jubatus uses (framework spec §3), byte for byte. */
export const JUBATUS = '/jubatus';
export const SUPERVISORS = `${JUBATUS}/supervisors`;
export const PROXIES = `${JUBATUS}/jubaproxies`;
export const ACTORS = `${JUBATUS}/actors`;
export const CONFIGS = `${JUBATUS}/config`;

export const proxiesOf = (type: string): string => `${PROXIES}/${type}`;
export const actorsOf = (type: string): string => `${ACTORS}/${type}`;
export const actor = (type: string, name: string): string => `${ACTORS}/${type}/${name}`;
export const configLock = (type: string, name: string): string => `${actor(type, name)}/config_lock`;
export const masterLock = (type: string, name: string): string => `${actor(type, name)}/master_lock`;
export const nodes = (type: string, name: string): string => `${actor(type, name)}/nodes`;
export const actives = (type: string, name: string): string => `${actor(type, name)}/actives`;
export const chtDir = (type: string, name: string): string => `${actor(type, name)}/cht`;
export const idGenerator = (type: string, name: string): string => `${actor(type, name)}/id_generator`;
export const configsOf = (type: string): string => `${CONFIGS}/${type}`;
export const config = (type: string, name: string): string => `${CONFIGS}/${type}/${name}`;

/** `<ip>_<port>`, the name of a server in every list. */
export function ipPort(ip: string, port: number): string {
  return `${ip}_${port}`;
}

/** Splits `<ip>_<port>` at the first `_` (IPv4 only, as Jubatus's revert does). */
export function parseIpPort(s: string): { host: string; port: number } {
  const i = s.indexOf('_');
  return { host: s.slice(0, i), port: parseInt(s.slice(i + 1), 10) };
}
