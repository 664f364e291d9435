import { describe, expect, it } from 'vitest';
import { decode } from '@msgpack/msgpack';
import { jubactlArgv, splitServers } from '../../src/control/visor-control.js';
import { MsgReader } from '../../src/msgpack/reader.js';
import { MsgWriter } from '../../src/msgpack/writer.js';
import { ArgumentError } from '../../src/errors.js';
import { decodeServerArgv, encodeServerArgv, SERVER_ARGV_DEFAULTS, splitKey } from '../../src/server/visor.js';

describe('splitServers (jubactl -N)', () => {
  it('gives each visor floor(N/V), the first N mod V one more', () => {
    expect(splitServers(3, 2)).toEqual([2, 1]);
    expect(splitServers(7, 3)).toEqual([3, 2, 2]);
    expect(splitServers(2, 4)).toEqual([1, 1, 0, 0]);
    expect(splitServers(6, 3)).toEqual([2, 2, 2]);
  });
  it('treats 0 as one per visor, and no visors as nothing', () => {
    expect(splitServers(0, 3)).toEqual([1, 1, 1]);
    expect(splitServers(5, 0)).toEqual([]);
  });
});

describe('server_argv', () => {
  const argv = jubactlArgv({
    server: 'jubanearest_neighbor', type: 'nearest_neighbor', name: 'nn',
    argv: { bindIf: 'eth0', threadnum: 3, timeout: 20, datadir: '/data', mixer: 'random_mixer', intervalSec: 5, intervalCount: 7, zookeeperTimeout: 4, interconnectTimeout: 6 },
  }, '127.0.0.1:2181');

  it('encodes the 20 fields in MSGPACK_DEFINE order, strings as raw, as jubactl fills them', () => {
    const w = new MsgWriter();
    encodeServerArgv(w, argv);
    const bytes = w.toBytes();
    expect(decode(bytes)).toEqual([
      9199, '', 'eth0', 20, 4, 6, 3, 'nearest_neighbor', '', '127.0.0.1:2181', 'jubanearest_neighbor/nn',
      '/data', '', '', 'localhost', 5, 7, 'random_mixer', false, false,
    ]);
    // fixraw/raw16 only (0xa0-0xbf, 0xda), never str8 (0xd9)
    expect([...bytes].includes(0xd9)).toBe(false);
    expect(decodeServerArgv(new MsgReader(bytes).read())).toEqual(argv);
  });

  it('rejects wrong shapes with an argument error (wire error 2)', () => {
    expect(() => decodeServerArgv([1, 2, 3])).toThrow(ArgumentError);
    const w = new MsgWriter();
    encodeServerArgv(w, { ...SERVER_ARGV_DEFAULTS });
    const v = new MsgReader(w.toBytes()).read() as unknown[];
    v[0] = new TextEncoder().encode('9199');
    expect(() => decodeServerArgv(v as never)).toThrow(/field 0 \(port\) must be int/);
  });

  it('splits <server>/<name> as jubavisor does', () => {
    expect(splitKey('jubanearest_neighbor/a/b')).toEqual({ server: 'jubanearest_neighbor', name: 'a/b' });
    for (const bad of ['x', '/n', 's/', 's/n m', '']) expect(splitKey(bad)).toBeUndefined();
  });
});
