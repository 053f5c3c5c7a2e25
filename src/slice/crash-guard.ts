/**
 * The slice's last line of defence. A promise nobody awaits can reject while the
 * browser closes (whatsapp-web.js's `framenavigated` handler runs
 * `authStrategy.logout()` and re-injects during a phone logout), and Node would
 * either print a bare stack or keep a half-broken client running. Instead the
 * slice says what happened in its JSON log and exits non-zero at once: the host
 * sees a stopped container and its restart ladder takes over (a restart within the
 * budget, then `error` with words), and Docker's init reaps whatever Chromium left.
 */
import type { Logger } from './instance-manager';

/** The exit code of a slice that crashed on an error nobody handled. */
export const CRASH_EXIT_CODE = 70; // EX_SOFTWARE

/** What the guard needs of `process`: listening, and leaving. */
export interface GuardedProcess {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  on(event: 'uncaughtException', listener: (error: Error, origin: string) => void): unknown;
  exit(code: number): never | void;
}

function describe(value: unknown): { error: string; stack?: string } {
  if (value instanceof Error) return value.stack ? { error: value.message, stack: value.stack } : { error: value.message };
  try {
    return { error: typeof value === 'string' ? value : JSON.stringify(value) ?? String(value) };
  } catch {
    return { error: String(value) };
  }
}

export function installCrashGuard(proc: GuardedProcess, log: Logger): void {
  let crashed = false;
  const crash = (kind: 'unhandledRejection' | 'uncaughtException', value: unknown) => {
    // A second failure while leaving changes nothing: the first one is the story.
    if (crashed) return;
    crashed = true;
    try {
      log({ event: 'crash', kind, ...describe(value), exitCode: CRASH_EXIT_CODE });
    } finally {
      proc.exit(CRASH_EXIT_CODE);
    }
  };
  proc.on('unhandledRejection', (reason) => crash('unhandledRejection', reason));
  proc.on('uncaughtException', (error) => crash('uncaughtException', error));
}
