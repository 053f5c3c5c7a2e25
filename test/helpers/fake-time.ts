/**
 * Fake time beside real sockets: vitest's fake timers for the host's and the slice's
 * clocks (setTimeout/setInterval/Date), while HTTP and SSE between them stay real
 * (setImmediate, nextTick and queueMicrotask are never faked).
 *
 * Two paces, so that no deadline of the product can trip early because fake time ran
 * ahead of a request still on its way:
 * - `real`: fake time moves only as fast as real time does — for stretches with requests
 *   in flight under deadlines (a Connect: health probes, initialize);
 * - `fast`: steps of fake time with real I/O let run between them — only for stretches
 *   where the flow waits on clocks alone (codes shown, a link loading), so a minute of
 *   code lifetimes passes in a fraction of a second.
 */
import { vi } from 'vitest';

/** The clocks only. */
export const FAKED = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] as const;

/** Captured before any test fakes it: real waits for the `real` pace. */
const realSetTimeout = globalThis.setTimeout;
const realTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const realSleep = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, ms));

export function useFakeClock(): void {
  vi.useFakeTimers({ toFake: [...FAKED] });
}

/**
 * Moves fake time (steps of `stepMs`) until `done` settles, at the given pace; at most
 * `maxFakeMs` of fake time, then it throws naming `what` (bounded, like every wait).
 */
export async function advanceUntil<T>(done: Promise<T>, what: string, opts: { pace: 'real' | 'fast'; maxFakeMs: number; stepMs?: number }): Promise<T> {
  const stepMs = opts.stepMs ?? 50;
  let settled = false;
  done.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let advanced = 0; !settled; advanced += stepMs) {
    if (advanced > opts.maxFakeMs) throw new Error(`${what} did not happen within ${opts.maxFakeMs} ms of fake time`);
    if (opts.pace === 'real') await realSleep(stepMs);
    else for (let turn = 0; turn < 5 && !settled; turn++) await realTurn();
    if (!settled) await vi.advanceTimersByTimeAsync(stepMs);
  }
  return done;
}
