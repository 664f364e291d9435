/**
 * `juba serve` started the way the official Jubatus clients' test helpers start a server: exec,
 * then call an unknown method with waits of 1, 2, 4 … 512 ms between tries, expecting error 1
 * ("no such method"). The helpers give up after that schedule, so juba must answer within it.
 * Bounded by the number of tries (as the helpers are), not by a clock.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, killStarted, ROOT, runJuba, tryUnknownMethod } from '../harness/processes.js';

afterAll(() => killStarted());

describe('juba serve starts within a client test helper\'s patience', () => {
  it('answers an unknown method with error 1 within waits of 1, 2, 4 … 512 ms', async () => {
    const port = await freePort();
    const p = runJuba(['serve', 'nearest_neighbor', '-f', path.join(ROOT, 'config/nearest_neighbor/euclid_lsh.json'), '-p', String(port), '-b', '127.0.0.1']);
    let answer = await tryUnknownMethod(port);
    let tries = 1;
    for (let wait = 1; answer === undefined && wait <= 512; wait *= 2) {
      await new Promise((r) => setTimeout(r, wait));
      answer = await tryUnknownMethod(port);
      tries++;
    }
    expect(answer, `no answer after ${tries} tries`).toBe(1);
    expect(await p.stop()).toBe(0);
  });
});
