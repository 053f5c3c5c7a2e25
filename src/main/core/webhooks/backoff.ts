/**
 * When a failed delivery is tried again: exponential from `baseMs`, capped at `maxMs`, with
 * jitter so receivers coming back are not hit by every lane at once. The defaults follow
 * Evolution API: 10 attempts, 5 s → 300 s (SLICEDECK_WEBHOOK_* settings).
 */
export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
  attempts: number;
}

export const DEFAULT_WEBHOOK_BACKOFF: BackoffSettings = { baseMs: 5_000, maxMs: 300_000, attempts: 10 };

/** The wait after failed attempt number `attempt` (1-based): base·2^(attempt−1), capped, times 0.8–1.2. */
export function backoffDelayMs(attempt: number, settings: BackoffSettings, random: () => number = Math.random): number {
  const plain = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(plain * (0.8 + 0.4 * random()));
}
