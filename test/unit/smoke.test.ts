import { describe, it, expect } from 'vitest';
import { JubaError } from '../../src/errors.js';
describe('smoke', () => { it('exit code', () => { expect(new JubaError('x', { code: 'unreachable' }).exitCode).toBe(4); }); });
