import { describe, expect, it } from 'vitest';
import type { Engine, LinearMixable, PushMixable } from '../../src/engine/engine.js';
import { checkMixer, usableMixers } from '../../src/server/mix/create-mixer.js';

const base: Engine = {
  type: 'fake', userDataVersion: 1, status: () => ({}), packModel: () => undefined, unpackModel: () => undefined,
};
const linear = { linearMixable: () => ({}) as LinearMixable<unknown> };
const push = { pushMixable: () => ({}) as PushMixable };

describe('which mixers an engine can use', () => {
  it('linear mixables → linear_mixer only; push → the push mixers; both → all four', () => {
    expect(usableMixers({ ...base, ...linear })).toEqual(['linear_mixer']);
    expect(usableMixers({ ...base, ...push })).toEqual(['random_mixer', 'broadcast_mixer', 'skip_mixer']);
    expect(usableMixers({ ...base, ...linear, ...push })).toHaveLength(4);
    // A method whose storage has no push side answers undefined (e.g. a linear classifier).
    expect(usableMixers({ ...base, ...linear, pushMixable: () => undefined })).toEqual(['linear_mixer']);
  });

  it('refuses a mixer that would mix nothing, naming those that work', () => {
    expect(() => checkMixer('random_mixer', { ...base, ...linear }, 'classifier cluster c'))
      .toThrow('classifier cluster c cannot use random_mixer: its model has no push mixable, so nothing would be mixed');
    let err: unknown;
    try {
      checkMixer('skip_mixer', { ...base, ...linear }, 'x');
    } catch (e) {
      err = e;
    }
    expect((err as { hint?: string } | undefined)?.hint).toBe('mixers that work here: linear_mixer (-x linear_mixer)');
    expect(() => checkMixer('linear_mixer', { ...base, ...push }, 'x')).toThrow('cannot use linear_mixer');
  });

  it('accepts any mixer for a model with nothing to mix, and the right one otherwise', () => {
    expect(() => checkMixer('random_mixer', base, 'x')).not.toThrow();
    expect(() => checkMixer('linear_mixer', { ...base, ...linear }, 'x')).not.toThrow();
    expect(() => checkMixer('broadcast_mixer', { ...base, ...push }, 'x')).not.toThrow();
  });
});
