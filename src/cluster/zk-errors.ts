/**
 * ZooKeeper's error codes (the protocol's, as node-zookeeper-client reports them through
 * `getCode()`), without loading the client library: modules that only inspect errors (locks,
 * membership, CHT) stay light for commands that never connect.
 */
const NO_NODE = -101;
const NODE_EXISTS = -110;
const NOT_EMPTY = -111;

function code(e: unknown): number | undefined {
  return (e as { getCode?: () => number })?.getCode?.();
}

export const isNoNode = (e: unknown): boolean => code(e) === NO_NODE;
export const isNodeExists = (e: unknown): boolean => code(e) === NODE_EXISTS;
export const isNotEmpty = (e: unknown): boolean => code(e) === NOT_EMPTY;
