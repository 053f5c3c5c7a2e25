/**
 * How a slice's container ends. Chromium commits part of a profile lazily (a page's
 * localStorage seconds after the write; WhatsApp Web keeps its link there and in
 * IndexedDB), so a slice SIGKILLed soon after linking leaves a session the next slice
 * cannot restore. A slice that may hold a session is therefore stopped the way a
 * person closes a browser — SIGTERM, the slice closes its client and Chromium, then
 * the container is removed; SIGKILL only after SLICEDECK_STOP_GRACE_MS. One with no
 * session to save (codes expired, a session being deleted, a provisioning that never
 * reached WhatsApp) is removed at once.
 */
import { SLICE_SHUTDOWN_TIMEOUT_EXIT } from '@shared/slice-protocol';
import type { Stage } from '@shared/stages';
import type { SliceContext } from './slice-state';

/** Exit code of a process the engine SIGKILLed (128 + 9). */
const KILLED_EXIT = 137;

/**
 * Whether a slice in `stage` may hold a WhatsApp session its volume does not have
 * yet: linked or linking, or restoring a saved one (WhatsApp updates it on restore).
 */
export function mayHoldSession(stage: Stage, sessionSaved: boolean): boolean {
  return stage === 'linking' || stage === 'ready' || (sessionSaved && stage === 'initializing');
}

/**
 * Ends one slice container: gracefully (stopAndRemove with the configured grace) or
 * at once (remove). Says in the log how a graceful stop ended: a slice that had to be
 * killed after the grace, or gave up on its own bound, may have lost what its browser
 * had not written yet.
 */
export async function endContainer(state: SliceContext, ids: { accountId: string; sliceId: string }, sliceRef: string, graceful: boolean): Promise<void> {
  const { runtime, config } = state.deps;
  if (!graceful) {
    await runtime.remove(sliceRef);
    return;
  }
  const started = Date.now();
  const { exitCode } = await runtime.stopAndRemove(sliceRef, { graceMs: config.stopGraceMs });
  const fields = { ...ids, exitCode, ms: Date.now() - started, graceMs: config.stopGraceMs };
  if (exitCode === KILLED_EXIT || exitCode === SLICE_SHUTDOWN_TIMEOUT_EXIT) {
    state.log.warn(fields, 'the slice did not close its browser within its grace; what it had not written yet may be lost');
  } else {
    state.log.info(fields, 'stopped the slice gracefully');
  }
}
