/**
 * The one way tests wait: poll a condition until it holds, bounded by a generous deadline that
 * only decides when to give up (never what passes), so a busy machine makes a test slower, not
 * red. Errors thrown by the check count as "not yet"; the last one is in the timeout message.
 */

/** Polls `check` every `intervalMs` until it returns true; fails naming `what`. */
export async function eventually(check: () => Promise<boolean> | boolean, what: string, ms = 20_000, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message ?? String(last)})` : ''}`);
}

/** Polls `get` until it returns a value other than undefined, and returns that value. */
export async function waitForValue<T>(get: () => Promise<T | undefined> | T | undefined, what: string, ms = 20_000, intervalMs = 200): Promise<T> {
  let value: T | undefined;
  await eventually(async () => (value = await get()) !== undefined, what, ms, intervalMs);
  return value!;
}
