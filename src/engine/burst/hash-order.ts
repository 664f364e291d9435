/**
 * 1.1.1 keeps burst's keywords in hash maps; with few keywords their iteration order is the
 * reverse of insertion, which is the order juba lists them in (status strings, model file, MIX
 * diff), and a map read back is reversed again to restore insertion order.
 */
export function hashOrder<V>(m: Map<string, V>): Array<[string, V]> {
  return [...m].reverse();
}
