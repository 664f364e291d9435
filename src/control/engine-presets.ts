/**
 * What the tools know of a service type without talking to it: a shipped engine's presets
 * (engine/<type>/ on its factory), or nothing for a user's service.
 */
import type { EnginePresets } from '../engine/engine.js';
import { engineTypes, engineFactory } from '../engine/registry.js';
import { DEFAULT_SIZE, type SizePreset } from './member-stats.js';

export function presetsOf(type: string): EnginePresets | undefined {
  return engineTypes().includes(type) ? engineFactory(type).presets : undefined;
}

export function sizeOf(type: string): SizePreset {
  return presetsOf(type)?.size ?? DEFAULT_SIZE;
}
