import { describe, expect, it } from 'vitest';
import { compileArgs, hasPlaceholder, parseArgsTemplate } from '../../src/control/bench-args.js';
import { LatencyRecorder } from '../../src/control/bench-runner.js';
import { parseHostPort } from '../../src/control/call-target.js';
import { loadEngineDescriptor } from '../../src/idl/descriptor.js';

const nn = loadEngineDescriptor('nearest_neighbor');
const m = (name: string) => nn.methods.get(name)!;

describe('bench argument templates', () => {
  it('substitutes a fresh random id into every {id} per call, and types the rest once', () => {
    const ids = ['r1', 'r2', 'r3'];
    let i = 0;
    const next = compileArgs(nn, m('similar_row_from_id'), ['{id}', 10], () => ids[i++ % ids.length]!);
    expect(next()).toEqual(['r1', 10]);
    expect(next()).toEqual(['r2', 10]);
    const d = compileArgs(nn, m('similar_row_from_datum'), [{ name: 'user-{id}', x: 1 }, 3], () => 'q');
    expect(d()).toEqual([{ stringValues: [['name', 'user-q']], numValues: [['x', 1]], binaryValues: [] }, 3]);
  });

  it('calls no id picker when the template has no placeholder', () => {
    const next = compileArgs(nn, m('similar_row_from_datum'), [{ x: 1 }, 3], () => {
      throw new Error('picked');
    });
    expect(next()).toEqual([{ stringValues: [], numValues: [['x', 1]], binaryValues: [] }, 3]);
    expect(hasPlaceholder([{ x: 1 }, 3])).toBe(false);
    expect(hasPlaceholder(['{id}', 10])).toBe(true);
  });

  it('rejects a template that does not fit the method, naming the parameter', () => {
    expect(() => compileArgs(nn, m('similar_row_from_id'), ['{id}', '{id}'], () => 'x')).toThrow(`argument 2 'ret_num' of similar_row_from_id must be uint, an integer (got "{id}")`);
    expect(() => parseArgsTemplate(m('similar_row_from_id'), '{"id": 1}')).toThrow('--args must be a JSON array, one element per parameter of similar_row_from_id');
    expect(() => parseArgsTemplate(m('similar_row_from_id'), '[1,')).toThrow(/^--args must be a JSON array \(/);
  });
});

describe('LatencyRecorder', () => {
  it('grows past its first buffer and reports nearest-rank percentiles', () => {
    const r = new LatencyRecorder(4);
    for (let i = 100; i >= 1; i--) r.add(i);
    expect(r.length).toBe(100);
    expect(r.summary()).toEqual({ p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
    expect(new LatencyRecorder().summary()).toEqual({ p50: 0, p90: 0, p99: 0, max: 0, mean: 0 });
  });
});

describe('parseHostPort', () => {
  it('reads host:port, :port and port', () => {
    expect(parseHostPort('10.0.0.1:9199')).toEqual({ host: '10.0.0.1', port: 9199 });
    expect(parseHostPort(':9200')).toEqual({ host: '127.0.0.1', port: 9200 });
    expect(parseHostPort('9201')).toEqual({ host: '127.0.0.1', port: 9201 });
    expect(() => parseHostPort('localhost')).toThrow('invalid server address "localhost"');
    expect(() => parseHostPort('h:70000')).toThrow('invalid server address "h:70000"');
  });
});
