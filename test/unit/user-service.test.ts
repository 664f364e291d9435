/**
 * User services (juba serve --idl --impl): the adapter around a user's implementation — method
 * checks, result checks against the IDL, async methods under their lock, the linear-MIX hooks,
 * and save/load through real model files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src/client/service-client.js';
import { JubaError } from '../../src/errors.js';
import { buildDescriptor } from '../../src/idl/descriptor.js';
import { parseIdl } from '../../src/idl/parser.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import { decodeOne, MsgMap } from '../../src/msgpack/reader.js';
import { MsgWriter } from '../../src/msgpack/writer.js';
import { EngineServer } from '../../src/server/engine-server.js';
import { SERVER_DEFAULTS, validateServerOptions } from '../../src/server/options.js';
import { loadUserService, userServiceFactory, UserServiceEngine } from '../../src/server/user-service.js';
import { conformValue, readPlain, writePlain } from '../../src/server/user-values.js';
import { freePort } from '../harness/processes.js';

const IDL = `
message entry {
  0: string key
  1: long count
}
service counter {
  #@cht(2) #@update #@all_and
  bool add(0: string key, 1: long n)
  #@cht(2) #@analysis #@pass
  long get(0: string key)
  #@random #@analysis #@pass
  list<entry> top(0: int k)
  #@random #@nolock #@pass
  bool ping()
  #@broadcast #@update #@all_and
  bool clear()
}`;
const desc = buildDescriptor(parseIdl(IDL, 'counter.idl'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juba-usersvc-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A logger that remembers error messages. */
function recordingLogger(): { logger: Logger; errors: string[] } {
  const errors: string[] = [];
  const logger = { error: (_o: unknown, msg: string) => void errors.push(msg) } as unknown as Logger;
  return { logger, errors };
}

const src = (logger: Logger = silentLogger) => ({ idlFile: 'counter.idl', implFile: './counter.js', logger });

/** A counting implementation with every hook; `d` is the diff since the last mix. */
function counterImpl() {
  const totals = new Map<string, number>();
  let d = new Map<string, number>();
  return {
    add(key: string, n: number) {
      totals.set(key, (totals.get(key) ?? 0) + n);
      d.set(key, (d.get(key) ?? 0) + n);
      return true;
    },
    get: (key: string) => totals.get(key) ?? 0,
    top: (k: number) => [...totals].sort((a, b) => b[1] - a[1]).slice(0, k).map(([key, count]) => ({ key, count })),
    ping: () => true,
    clear: () => (totals.clear(), true),
    packModel: () => Object.fromEntries(totals),
    unpackModel(m: Record<string, number>) {
      totals.clear();
      for (const [k, v] of Object.entries(m)) totals.set(k, v);
    },
    statusKeys: () => ({ keys: totals.size, empty: totals.size === 0 }),
    linearMixable: {
      diff: () => Object.fromEntries(d),
      merge(a: Record<string, number>, b: Record<string, number>) {
        for (const [k, v] of Object.entries(b)) a[k] = (a[k] ?? 0) + v;
        return a;
      },
      apply(merged: Record<string, number>) {
        // Every server's own diff is already in its totals: add what the others did.
        for (const [k, v] of Object.entries(merged)) totals.set(k, (totals.get(k) ?? 0) - (d.get(k) ?? 0) + v);
        d = new Map();
        return true;
      },
    },
  };
}

const engineOf = (impl: unknown, logger?: Logger): UserServiceEngine =>
  userServiceFactory(desc, impl, src(logger)).create({}, { owner: '127.0.0.1_1' }) as UserServiceEngine;

async function serverFor(exported: unknown, logger: Logger = silentLogger): Promise<EngineServer> {
  const options = validateServerOptions({ ...SERVER_DEFAULTS, rpcPort: await freePort(), listenAddr: '127.0.0.1', datadir: tmp }, { configOptional: true });
  const factory = userServiceFactory(desc, exported, src(logger));
  return new EngineServer({ factory, descriptor: desc, options, configText: '{}', configSource: '', logger });
}

describe('checking the implementation against the IDL', () => {
  it('names every missing method and the IDL file, before any config (object export)', () => {
    const partial = { add: () => true, get: () => 0, ping: () => true };
    expect(() => userServiceFactory(desc, partial, src())).toThrow(
      /\.\/counter\.js does not implement methods top \(counter\.idl:\d+\), clear \(counter\.idl:\d+\) of service counter/,
    );
  });

  it('checks what a factory returns when it is built, and passes it config and context', () => {
    let seen: unknown[] = [];
    const factory = userServiceFactory(desc, (config: unknown, ctx: unknown) => {
      seen = [config, ctx];
      return { add: () => true };
    }, src());
    expect(() => factory.create({ a: 1 }, { owner: '10.0.0.1_9199' })).toThrow(/does not implement methods get .* ping .* of service counter/);
    expect(seen).toEqual([{ a: 1 }, { service: 'counter', owner: '10.0.0.1_9199' }]);
    expect(() => userServiceFactory(desc, () => Promise.resolve(counterImpl()), src()).create({}, { owner: 'x' })).toThrow(/returned a promise/);
  });

  it('constructs a class export with new, and does not take Object.prototype members for methods', () => {
    class Counter {
      constructor(readonly config: { start: number }) {}
      add() { return true; }
      get() { return this.config.start; }
      top() { return []; }
      ping() { return true; }
      clear() { return true; }
    }
    const e = userServiceFactory(desc, Counter, src()).create({ start: 7 }, { owner: 'x' }) as UserServiceEngine;
    expect(e.idlMethods.get!('k')).toBe(7);
    const ctorIdl = buildDescriptor(parseIdl('service s {\n#@random #@nolock #@pass\nbool constructor()\n}', 's.idl'));
    expect(() => userServiceFactory(ctorIdl, {}, src())).toThrow(/does not implement method constructor/);
  });
});

describe('results against the IDL return type', () => {
  it('rejects a wrong result with the method and expected type, and logs it', () => {
    const { logger, errors } = recordingLogger();
    const e = engineOf({ ...counterImpl(), get: () => 'seven' }, logger);
    expect(() => e.idlMethods.get!('k')).toThrow('counter.get returned a value that does not match its IDL return type long: result: expected long, got string "seven"');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('counter.get');
  });

  it('names the place inside a nested result', () => {
    const e = engineOf({ ...counterImpl(), top: () => [{ key: 'a', count: 1 }, { key: 'b', count: 1.5 }] });
    expect(() => e.idlMethods.top!(2)).toThrow('result[1].count: expected long, got number 1.5');
  });

  it('accepts messages as objects or arrays and maps as objects, in the codec shapes', () => {
    expect(conformValue(desc, { kind: 'list', elem: { kind: 'user', name: 'entry' } }, [{ key: 'a', count: 2 }, ['b', 3]], 'r')).toEqual([['a', 2], ['b', 3]]);
    const m = conformValue(desc, { kind: 'map', key: { kind: 'primitive', name: 'string' }, value: { kind: 'primitive', name: 'int' } }, { x: 1 }, 'r');
    expect(m).toEqual(new Map([['x', 1]]));
    expect(() => conformValue(desc, { kind: 'primitive', name: 'ubyte' }, 256, 'r')).toThrow('r: expected ubyte, got number 256');
    expect(conformValue(desc, { kind: 'nullable', inner: { kind: 'primitive', name: 'string' } }, undefined, 'r')).toBe(null);
    expect(conformValue(desc, { kind: 'list', elem: { kind: 'primitive', name: 'double' } }, new Float64Array([1.5, 2]), 'r')).toEqual([1.5, 2]);
  });
});

describe('async methods', () => {
  it('hold their lock until they settle, then answer with the checked result', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const impl = counterImpl();
    const server = await serverFor({
      ...impl,
      add: async (key: string, n: number) => {
        await gate;
        return impl.add(key, n);
      },
      get: async (key: string) => impl.get(key),
    });
    const port = await server.listen();
    const c = new ServiceClient(desc, { host: '127.0.0.1', port, name: 'c' });
    try {
      const add = c.call('add', 'k', 5);
      let got: unknown = 'pending';
      const get = c.call('get', 'k').then((v) => (got = v));
      // ping takes no lock: once it answers, the server has read the add and get before it.
      expect(await c.call('ping')).toBe(true);
      expect(got).toBe('pending');
      release();
      expect(await add).toBe(true);
      await get;
      expect(got).toBe(5);
      expect(server.status().get(server.ipPort)!.get('update_count')).toBe('1');
    } finally {
      c.close();
      await server.close();
    }
  });

  it('turns an async wrong result into an RPC error naming the method', async () => {
    const server = await serverFor({ ...counterImpl(), get: async () => null });
    const c = new ServiceClient(desc, { host: '127.0.0.1', port: await server.listen(), name: 'c' });
    try {
      await expect(c.call('get', 'k')).rejects.toThrow('counter.get returned a value that does not match its IDL return type long: result: expected long, got null');
      expect(await c.call('add', 'k', 1)).toBe(true); // the server keeps serving
    } finally {
      c.close();
      await server.close();
    }
  });
});

describe('linear MIX hooks', () => {
  it('diff / merge / apply round trip through msgpack payloads', () => {
    const a = engineOf(counterImpl());
    const b = engineOf(counterImpl());
    a.idlMethods.add!('x', 2);
    a.idlMethods.add!('y', 1);
    b.idlMethods.add!('x', 3);
    const lmA = a.linearMixable!();
    const lmB = b.linearMixable!();
    const payload = (f: (w: MsgWriter) => void) => {
      const w = new MsgWriter();
      f(w);
      return decodeOne(w.toBytes());
    };
    const dA = lmA.unpackDiff(payload((w) => lmA.packDiff(w)));
    const dB = lmB.unpackDiff(payload((w) => lmB.packDiff(w)));
    const merged = lmA.mixDiff(dA, dB);
    const wire = payload((w) => lmA.writeDiff(w, merged));
    expect(Array.isArray(wire) && wire.length).toBe(1); // one mixable: [diff]
    expect(lmA.putDiff(lmA.unpackDiff(wire))).toBe(true);
    expect(lmB.putDiff(lmB.unpackDiff(wire))).toBe(true);
    for (const e of [a, b]) {
      expect(e.idlMethods.get!('x')).toBe(5);
      expect(e.idlMethods.get!('y')).toBe(1);
    }
  });

  it('is absent without linearMixable, and refuses an incomplete or async one', () => {
    const { linearMixable: _lm, ...plain } = counterImpl();
    expect(engineOf(plain).linearMixable).toBeUndefined();
    expect(() => engineOf({ ...plain, linearMixable: { diff: () => ({}) } })).toThrow(/linearMixable must be an object with diff\(\), merge\(a, b\) and apply\(diff\)/);
    const e = engineOf({ ...plain, linearMixable: { diff: async () => ({}), merge: () => ({}), apply: () => true } });
    expect(() => e.linearMixable!().packDiff(new MsgWriter())).toThrow(/linearMixable\.diff returned a promise; it must be synchronous/);
  });
});

describe('save and load through model files', () => {
  it('restores what packModel gave, in this server and in a new one', async () => {
    const s1 = await serverFor(() => counterImpl());
    const e1 = s1.engine as UserServiceEngine;
    e1.idlMethods.add!('a', 4);
    e1.idlMethods.add!('b', 9);
    const saved = await s1.save('snap');
    const file = saved.get(s1.ipPort)!;
    expect(fs.existsSync(file)).toBe(true);
    e1.idlMethods.clear!();
    expect(e1.idlMethods.get!('a')).toBe(0);
    expect(await s1.load('snap')).toBe(true);
    expect(e1.idlMethods.get!('a')).toBe(4);
    expect(s1.status().get(s1.ipPort)!.get('keys')).toBe('2');
    expect(s1.status().get(s1.ipPort)!.get('empty')).toBe('0');

    const s2 = await serverFor(() => counterImpl());
    await s2.loadFile(file, undefined);
    expect((s2.engine as UserServiceEngine).idlMethods.get!('b')).toBe(9);
  });

  it('without packModel saves an empty model (nil) and without unpackModel loads nothing', async () => {
    const { packModel: _p, unpackModel: _u, ...noModel } = counterImpl();
    const s = await serverFor(noModel);
    const e = s.engine as UserServiceEngine;
    e.idlMethods.add!('a', 1);
    const file = (await s.save('empty')).get(s.ipPort)!;
    e.idlMethods.add!('a', 1);
    expect(await s.load('empty')).toBe(true);
    expect(e.idlMethods.get!('a')).toBe(2);
    const seen: unknown[] = [];
    const fresh = await serverFor(() => ({ ...counterImpl(), unpackModel: (m: unknown) => void seen.push(m) }));
    await fresh.loadFile(file, undefined);
    expect(seen).toEqual([null]);
  });

  it('reports a throwing unpackModel as broken user data and keeps the model', async () => {
    const s = await serverFor(() => counterImpl());
    const e = s.engine as UserServiceEngine;
    e.idlMethods.add!('a', 1);
    await s.save('one');
    e.idlMethods.add!('a', 1);
    const picky = await serverFor(() => ({ ...counterImpl(), unpackModel: () => { throw new Error('nope'); } }));
    await expect(picky.loadFile(s.modelPath('one'), undefined)).rejects.toThrow('user data is broken');
    expect(e.idlMethods.get!('a')).toBe(2);
  });
});

describe('plain payloads', () => {
  it('round-trip JSON-like values; maps with other keys stay Maps, binary stays bytes', () => {
    const w = new MsgWriter();
    const v = { s: 'é', n: [1, 2.5, -3], nested: { t: true, z: null }, m: new Map<unknown, unknown>([[1, 'one']]), b: new Uint8Array([0xff, 0xfe]) };
    writePlain(w, v, 'v');
    expect(readPlain(decodeOne(w.toBytes()))).toEqual(v);
    expect(readPlain(new MsgMap([]))).toEqual({});
    expect(() => writePlain(new MsgWriter(), { f: () => 1 }, 'packModel()')).toThrow('packModel().f: expected null, boolean, number, string, bytes, array, plain object or Map, got function');
  });
});

describe('loading the module', () => {
  const idlFile = path.join(tmp, 'counter.idl');
  fs.writeFileSync(idlFile, IDL);

  it('imports a default export relative to the working directory', async () => {
    const mod = path.join(tmp, 'ok.mjs');
    fs.writeFileSync(mod, 'export default { add: () => true, get: () => 1, top: () => [], ping: () => true, clear: () => true };\n');
    const svc = await loadUserService({ idlFile, implFile: path.relative(process.cwd(), mod), logger: silentLogger });
    expect(svc.type).toBe('counter');
    expect(svc.configOptional).toBe(true);
    const e = svc.factory.create({}, { owner: 'x' }) as UserServiceEngine;
    expect(e.idlMethods.get!('k')).toBe(1);
  });

  it('says what is wrong with a missing file or a module without a default export', async () => {
    const none = loadUserService({ idlFile, implFile: path.join(tmp, 'nope.js'), logger: silentLogger });
    await expect(none).rejects.toThrow(JubaError);
    await expect(none).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('cannot load the implementation') });
    const named = path.join(tmp, 'named.mjs');
    fs.writeFileSync(named, 'export const add = () => true;\n');
    await expect(loadUserService({ idlFile, implFile: named, logger: silentLogger })).rejects.toThrow(/has no default export/);
  });
});
