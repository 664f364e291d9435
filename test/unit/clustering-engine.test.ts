/**
 * The clustering engine as a whole (engine spec §13): the revision rule of each storage, the
 * errors before the first clustering, get_diff's bytes against 1.1.1's capture, the MIX fold
 * and put_diff, and model files (1.1.1's load; ours round-trip).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusteringFactory, type ClusteringEngine } from '../../src/engine/clustering/service.js';
import type { IndexedPoint } from '../../src/engine/clustering/service-types.js';
import type { Datum } from '../../src/engine/datum.js';
import { ConfigError } from '../../src/errors.js';
import { decodeOne } from '../../src/msgpack/reader.js';
import { decodeModelFile } from '../../src/server/model-file.js';
import { bytes } from '../harness/msgpack.js';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/reference');
const numOnly = { num_rules: [{ key: '*', type: 'num' }], string_rules: [{ key: '*', type: 'str', sample_weight: 'bin', global_weight: 'bin' }] };

function config(method: string, parameter: object, compressor: string, compressorParameter: object, extra: object = {}): object {
  return { method, parameter, compressor_method: compressor, compressor_parameter: compressorParameter, converter: numOnly, ...extra };
}
const kmeans = (bucket = 10, k = 2): ClusteringEngine =>
  clusteringFactory.create(config('kmeans', { k, seed: 0 }, 'simple', { bucket_size: bucket }), { owner: '127.0.0.1_9199' });
const xy = (x: number, y: number): Datum => ({ stringValues: [], numValues: [['x', x], ['y', y]], binaryValues: [] });
const pt = (id: string, x: number, y: number): IndexedPoint => [id, xy(x, y)];

/** Two tight blobs around (0,0) and (10,10), alternating. */
function blobs(n: number, from = 0): IndexedPoint[] {
  return Array.from({ length: n }, (_, i) => {
    const j = from + i;
    const c = j % 2 === 0 ? 0 : 10;
    return pt(`q${j}`, c + ((j * 7) % 5) / 10, c + ((j * 3) % 5) / 10);
  });
}

type WireDatum = [Array<[string, string]>, Array<[string, number]>, Array<[string, never]>];
const fromWire = (d: WireDatum): Datum => ({ stringValues: d[0], numValues: d[1], binaryValues: [] });

function scenario(name: string): { config: string; calls: Array<{ method: string; args: unknown[]; result?: unknown; error?: string }> } {
  const s = JSON.parse(readFileSync(path.join(FIXTURES, 'engines', `${name}.seed2.json`), 'utf8'));
  return { config: s.calls[0].result, calls: s.calls };
}

describe('clustering: revision and the errors before the first clustering', () => {
  it('simple storage: the bucket_size-th push re-clusters without that point (1.1.1 bumps before storing)', () => {
    const e = kmeans(10);
    expect(() => e.get_k_center()).toThrow('clustering is not performed yet');
    expect(() => e.get_nearest_center(xy(0, 0))).toThrow('clustering is not performed yet');
    expect(() => e.get_core_members()).toThrow('clustering is not performed yet');
    e.push(blobs(9));
    expect(e.get_revision()).toBe(0);
    e.push(blobs(1, 9));
    expect(e.get_revision()).toBe(1);
    // clustered over the 9 points stored before the 10th: the members list all 10
    expect(e.get_core_members_light().flat()).toHaveLength(10);
    const centers = e.get_k_center().map((d) => d.numValues.map(([, v]) => Math.round(v)));
    expect(centers.sort()).toEqual([[0, 0], [10, 10]]);
    expect(e.get_nearest_center(xy(9, 9)).numValues.map(([, v]) => Math.round(v))).toEqual([10, 10]);
  });

  it('the push count survives clear (1.1.1 keeps it in a static), so the next revision comes early', () => {
    const e = kmeans(10);
    e.push(blobs(13));
    expect(e.get_revision()).toBe(1);
    expect(e.clear()).toBe(true);
    expect(e.get_revision()).toBe(0);
    expect(() => e.get_k_center()).toThrow('clustering is not performed yet');
    e.push(blobs(7));
    expect(e.get_revision()).toBe(1);
  });

  it('a point the converter refuses stores none of its push (1.1.1 converts them all first)', () => {
    const e = kmeans(3);
    const bad: Datum = { stringValues: [], numValues: [['x$1', 1]], binaryValues: [] };
    expect(() => e.push([pt('a', 0, 0), pt('b', 1, 1), ['c', bad]])).toThrow("feature key cannot contain '$': x$1");
    e.push([pt('d', 0, 0), pt('e', 1, 1)]);
    expect(e.get_revision()).toBe(0);
    e.push([pt('f', 2, 2)]);
    expect(e.get_revision()).toBe(1);
    expect(e.get_core_members_light().flat().map(([, id]) => id).sort()).toEqual(['d', 'e', 'f']);
  });

  it('fewer points than k leave the model unclustered', () => {
    const e = kmeans(2, 3);
    e.push(blobs(2));
    expect(e.get_revision()).toBe(1);
    expect(() => e.get_k_center()).toThrow('clustering is not performed yet');
  });

  it('dbscan answers the center calls with 1.1.1\'s unsupported-method errors', () => {
    const e = clusteringFactory.create(config('dbscan', { eps: 1, min_core_point: 2 }, 'simple', { bucket_size: 5 }), { owner: 'a_1' });
    expect(() => e.get_k_center()).toThrow('unsupported method (get_k_center)');
    expect(() => e.get_nearest_center(xy(0, 0))).toThrow('unsupported method (get_nearest_center)');
    expect(() => e.get_nearest_members(xy(0, 0))).toThrow('unsupported method (get_nearest_center_index)');
    expect(() => e.get_core_members()).toThrow('clustering is not performed yet');
    e.push(blobs(6));
    // the 5th push re-clusters over the 4 points stored before it
    expect(e.get_core_members_light().map((c) => c.map(([, id]) => id))).toEqual([['q0', 'q2'], ['q1', 'q3']]);
  });
});

describe('clustering: config', () => {
  const make = (c: object): unknown => clusteringFactory.create(c, { owner: 'a_1' });
  it('names the offending key', () => {
    expect(() => make(config('kmeans', { k: 0, seed: 0 }, 'simple', { bucket_size: 10 }))).toThrow(/parameter\.k: .*1 <= k/);
    expect(() => make(config('kmeans', { k: 2 }, 'simple', { bucket_size: 10 }))).toThrow(/parameter\.seed: required/);
    expect(() => make(config('kmeans', { k: 2, seed: 0 }, 'simple', { bucket_size: 1 }))).toThrow(/compressor_parameter\.bucket_size/);
    expect(() => make(config('kmeans', { k: 2, seed: 0 }, 'simple', { bucket_size: 10, extra: 1 }))).toThrow(/compressor_parameter\.extra: unknown key/);
    expect(() => make(config('dbscan', { eps: 1, min_core_point: 2 }, 'compressive', {}))).toThrow(/compressor_method: unsupported method \(compressive\)/);
    expect(() => make(config('spectral', { k: 2, seed: 0 }, 'simple', { bucket_size: 10 }))).toThrow(/method: unsupported method \(spectral\)/);
    expect(() => make(config('kmeans', { k: 2, seed: 0 }, 'simple', { bucket_size: 10 }, { distance: 'manhattan' }))).toThrow(/^distance: /);
    expect(() => make(config('gmm', { k: 2, seed: 0 }, 'compressive', {
      bucket_size: 10, bucket_length: 2, compressed_bucket_size: 20, bicriteria_base_size: 2, forgetting_factor: 0, forgetting_threshold: 0.5, seed: 0,
    }))).toThrow(/compressed_bucket_size <= bucket_size/);
    expect(() => make({ method: 'kmeans', parameter: { k: 2, seed: 0 }, compressor_method: 'simple', compressor_parameter: { bucket_size: 10 } }))
      .toThrow(ConfigError);
  });
});

describe('clustering: MIX (mix-payloads spec, clustering)', () => {
  const fixture = JSON.parse(readFileSync(path.join(FIXTURES, 'clustering-mix-payload.json'), 'utf8')) as { server: string; payload: string };

  it('get_diff is byte for byte 1.1.1\'s: own points under the server name, then the weight manager', () => {
    const s = scenario('clustering-kmeans');
    const e = clusteringFactory.create(JSON.parse(s.config), { owner: fixture.server });
    // The captured server had been through one MIX round of its own before the calls (its
    // get_revision answered 1 and its weight manager version is 1): replay that round first.
    const m = e.linearMixable();
    expect(m.putDiff(m.unpackDiff(decodeOne(bytes((w) => m.packDiff(w)))))).toBe(true);
    expect(e.get_revision()).toBe(1);
    const pushes = s.calls.filter((c) => c.method === 'push').slice(0, 5);
    for (const c of pushes) e.push((c.args[0] as Array<[string, WireDatum]>).map(([id, d]) => [id, fromWire(d)]));
    const mine = bytes((w) => e.linearMixable().packDiff(w));
    expect(Buffer.from(mine).toString('hex')).toBe(fixture.payload);
  });

  it('the fold merges by server name and put_diff makes the others common: every server clusters all points', () => {
    const a = kmeans(1000);
    const b = clusteringFactory.create(config('kmeans', { k: 2, seed: 0 }, 'simple', { bucket_size: 1000 }), { owner: '127.0.0.1_9200' });
    a.push(blobs(6));
    b.push(blobs(4, 6));
    const ma = a.linearMixable();
    const mb = b.linearMixable();
    const da = ma.unpackDiff(decodeOne(bytes((w) => ma.packDiff(w))));
    const db = mb.unpackDiff(decodeOne(bytes((w) => mb.packDiff(w))));
    const merged = ma.mixDiff(db, da);
    const wire = decodeOne(bytes((w) => ma.writeDiff(w, merged)));
    const names = ((wire as unknown[])[0] as unknown[][]).map((e) => Buffer.from(e[0] as Uint8Array).toString());
    expect(names).toEqual(['127.0.0.1_9199', '127.0.0.1_9200']);
    expect(ma.putDiff(ma.unpackDiff(wire))).toBe(true);
    expect(mb.putDiff(mb.unpackDiff(wire))).toBe(true);
    for (const e of [a, b]) {
      expect(e.get_revision()).toBe(1);
      expect(e.get_core_members_light().flat().map(([, id]) => id).sort()).toEqual(blobs(10).map(([id]) => id).sort());
    }
    // a second round replaces the common points instead of piling them up
    const round2 = ma.mixDiff(
      mb.unpackDiff(decodeOne(bytes((w) => mb.packDiff(w)))),
      ma.unpackDiff(decodeOne(bytes((w) => ma.packDiff(w)))),
    );
    expect(ma.putDiff(round2)).toBe(true);
    expect(a.get_core_members_light().flat()).toHaveLength(10);
    expect(a.get_revision()).toBe(2);
    // a diff built for an older model version makes the server obsolete (weight manager refuses)
    expect(ma.putDiff(ma.unpackDiff(wire))).toBe(false);
  });
});

describe('clustering: model files', () => {
  for (const name of ['clustering-kmeans', 'clustering-gmm', 'clustering-dbscan']) {
    it(`${name}: 1.1.1's file loads (re-clustering over every stored point) and packs back to 1.1.1's bytes`, () => {
      const s = scenario(name);
      const raw = new Uint8Array(readFileSync(path.join(FIXTURES, 'engines', `${name}.seed2.jubatus`)));
      const file = decodeModelFile(raw, { type: 'clustering', userDataVersion: 1, config: undefined });
      const e = clusteringFactory.create(JSON.parse(s.config), { owner: 'x_1' });
      e.unpackModel(file.model);
      expect(e.get_revision()).toBe(1);
      const stored = name === 'clustering-gmm' ? 70 : 120;
      if (name === 'clustering-dbscan') expect(e.get_core_members_light().flat().length).toBeLessThanOrEqual(stored);
      else expect(e.get_core_members_light().flat()).toHaveLength(stored);
      const again = clusteringFactory.create(JSON.parse(s.config), { owner: 'x_1' });
      const model = bytes((w) => e.packModel(w));
      // byte for byte the model 1.1.1 saved: the user data is [user_data_version, model] at its end
      expect(Buffer.from(raw.subarray(raw.length - model.length)).equals(Buffer.from(model))).toBe(true);
      again.unpackModel(decodeOne(model));
      expect(Buffer.from(bytes((w) => again.packModel(w)))).toEqual(Buffer.from(model));
      expect(again.get_core_members_light()).toEqual(e.get_core_members_light());
    });
  }

  it('a malformed model is refused and the model stays', () => {
    const e = kmeans(5);
    e.push(blobs(5));
    const before = e.get_k_center();
    expect(() => e.unpackModel(decodeOne(bytes((w) => { w.arrayHeader(2); w.int(1); w.int(2); })))).toThrow();
    expect(e.get_k_center()).toEqual(before);
  });
});
