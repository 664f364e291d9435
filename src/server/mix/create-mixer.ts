/**
 * `--mixer` → a mixer. Creating it registers the MIX RPCs on the server (so do it before the
 * server listens) and hooks the server's update counter; the caller merges `status()` into
 * get_status and calls `start()` once the server is registered in `nodes/`.
 */
import type { Engine } from '../../engine/engine.js';
import { JubaError } from '../../errors.js';
import { MIXERS, type MixerName } from '../options.js';
import { LinearMixer } from './linear-mixer.js';
import type { Mixer, MixerContext } from './mixer.js';
import { PushMixer } from './push-mixer.js';

export function createMixer(name: MixerName, ctx: MixerContext): Mixer {
  if (name === 'linear_mixer') return new LinearMixer(ctx);
  return new PushMixer(name, ctx);
}

/** The mixers that move this engine's model: linear_mixer needs linear mixables, the others push mixables. */
export function usableMixers(engine: Engine): MixerName[] {
  const linear = engine.linearMixable?.() !== undefined;
  const push = engine.pushMixable?.() !== undefined;
  return MIXERS.filter((m) => (m === 'linear_mixer' ? linear : push));
}

/**
 * Refuses, at start, a mixer that would silently mix nothing for this engine (e.g. random_mixer
 * with a linear classifier). A service with no mixable at all (a user service that keeps no
 * shared model) runs with any mixer: there is nothing to lose.
 */
export function checkMixer(name: MixerName, engine: Engine, what: string): void {
  const usable = usableMixers(engine);
  if (usable.length === 0 || usable.includes(name)) return;
  throw new JubaError(`${what} cannot use ${name}: its model has no ${name === 'linear_mixer' ? 'linear' : 'push'} mixable, so nothing would be mixed`, {
    code: 'usage',
    hint: `mixers that work here: ${usable.join(', ')} (-x ${usable[0]})`,
  });
}
