import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { nearestNeighborFactory } from '../../src/engine/nearest_neighbor/service.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';
import { silentLogger } from '../../src/logger.js';
import { decodeOne, type MsgValue } from '../../src/msgpack/reader.js';
import { EngineServer } from '../../src/server/engine-server.js';
import { SERVER_DEFAULTS } from '../../src/server/options.js';

const CONFIG = { method: 'euclid_lsh', parameter: { hash_num: 64 }, converter: { num_rules: [{ key: '*', type: 'num' }] } };

function server(thread: number): EngineServer {
  return new EngineServer({
    factory: nearestNeighborFactory, descriptor: loadEngineDescriptor('nearest_neighbor'),
    options: { ...SERVER_DEFAULTS, thread, listenAddr: '127.0.0.1' }, configText: JSON.stringify(CONFIG), configSource: '', logger: silentLogger,
  });
}

/** Calls `name` as a request with these params would (cluster name first). */
function call(s: EngineServer, name: string, ...args: unknown[]): unknown {
  return s.method(name)!.call(decodeOne(encode(['', ...args])) as MsgValue[]);
}

const point = (x: number) => [[], [['x', x]], []];

describe('EngineServer with analysis threads', () => {
  it('holds the read lock over a query in flight: an update waits for it, and the query never sees it', async () => {
    const s = server(2);
    expect(call(s, 'set_row', 'a', point(1))).toBe(true);
    const query = call(s, 'similar_row_from_id', 'a', 5);
    expect(query).toBeInstanceOf(Promise);
    const update = call(s, 'set_row', 'b', point(1.0001));
    expect(update).toBeInstanceOf(Promise);
    expect((s.engine as unknown as { get_all_rows(): string[] }).get_all_rows()).toEqual(['a']);
    const rows = (await query) as Array<[string, number]>;
    expect(rows.map((r) => r[0])).toEqual(['a']);
    expect(await update).toBe(true);
    expect((await call(s, 'similar_row_from_id', 'a', 5) as Array<[string, number]>).map((r) => r[0])).toEqual(['a', 'b']);
    expect(s.status().values().next().value!.get('threadnum')).toBe('2');
    await s.close();
  });

  it('runs queries synchronously on one thread (-c 1), as before', () => {
    const s = server(1);
    call(s, 'set_row', 'a', point(1));
    expect(call(s, 'similar_row_from_id', 'a', 5)).toEqual([['a', -0]]);
    expect(s.status().values().next().value!.get('threadnum')).toBe('1');
  });
});
