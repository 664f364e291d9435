/**
 * `--mixer` → a mixer. Creating it registers the MIX RPCs on the server (so do it before the
 * server listens) and hooks the server's update counter; the caller merges `status()` into
 * get_status and calls `start()` once the server is registered in `nodes/`.
 */
import type { MixerName } from '../options.js';
import { LinearMixer } from './linear-mixer.js';
import type { Mixer, MixerContext } from './mixer.js';
import { PushMixer } from './push-mixer.js';

export function createMixer(name: MixerName, ctx: MixerContext): Mixer {
  if (name === 'linear_mixer') return new LinearMixer(ctx);
  return new PushMixer(name, ctx);
}
