/**
 * The operator's words of the slice flow, in one place: the steps (provision,
 * follow, supervise, tear down) and the reconciler end slices with them, and tests
 * compare against them.
 */
import { SlicedeckError, isSlicedeckError } from '@shared/errors';
import type { LinkWaitStep } from '@shared/types';
import { sliceSaid } from '@shared/text-safety';
import { PortTakenError } from '../docker/runtime';

export const INTERRUPTED_WORDS = 'interrupted — click Connect to retry';
/** Why a Ready account went back to Connect on its own (PRODUCT §1 step 6). */
export const SESSION_REFUSED_WORDS = 'WhatsApp did not accept the saved session (the device was probably removed on the phone, under Linked devices). Scan the new code to link this account again.';
export const LOGGED_OUT_WORDS = 'WhatsApp logged this account out (it was logged out or unlinked on the phone). Click Connect WhatsApp to link it again with a new code.';

/** What a starting or linking slice waits for (its `waiting` event), as the panel says it. */
export const WAITING_WORDS: Record<LinkWaitStep, string> = {
  whatsapp_web: 'Waiting for WhatsApp Web to load',
  restored_session_sync: 'Waiting for WhatsApp to finish syncing the restored session',
  phone_sync: 'Waiting for the phone to finish logging in',
  account_load: 'Waiting for WhatsApp Web to finish loading the account',
};

/** What to do when a start stalled at that step. */
const STALLED_ADVICE: Record<LinkWaitStep, string> = {
  whatsapp_web: 'Check that this computer can reach web.whatsapp.com (internet connection, proxy, firewall), then click Connect to retry.',
  restored_session_sync:
    'Make sure the phone is online with WhatsApp open, then click Connect to retry. If it stalls again, click Log out and link the account again with a new code.',
  phone_sync: 'Keep the phone online with WhatsApp open until the chats appear, then click Connect to retry.',
  account_load: 'A large account can take a while: click Connect to retry, and give slices more memory (SLICEDECK_SLICE_MEMORY_MB) if it stalls again.',
};

/** The words of a start or link the host's safety timeout ended while the slice waited for `step`. */
export function linkStalledWords(step: LinkWaitStep, timeoutMs: number): string {
  const waited = WAITING_WORDS[step].replace(/^Waiting/, 'waiting');
  return `WhatsApp did not finish linking within ${Math.round(timeoutMs / 1000)} s: the slice was ${waited}, and was stopped. ${STALLED_ADVICE[step]}`;
}

/** A linked account's session is on a node that takes no slices now (swarm: volumes are node-local). */
export function pinnedNodeWords(name: string, why: string): string {
  return `This account's WhatsApp session is saved on node ${name}, which cannot run its slice now (down or drained: ${why}). Wait for node ${name} to come back, or Log out and link again elsewhere (a new code, on whichever node the swarm chooses).`;
}

/**
 * The slice's error words — capped, cleaned and attributed (a compromised slice must not
 * speak as the panel) — with what to do added unless they already say it.
 */
export function sliceErrorWords(message: string): string {
  const words = sliceSaid(message).replace(/\.*$/, '.');
  return /click connect/i.test(words) ? words : `${words} Click Connect to retry.`;
}

/** Why the host stopped a slice whose session volume passed its disk budget (disk-budget.ts). */
export function diskBudgetWords(over: 'bytes' | 'entries', maxBytes: number, maxEntries: number): string {
  const what = over === 'bytes' ? `more than ${Math.round(maxBytes / 1024 / 1024)} MiB (SLICEDECK_VOLUME_MAX_MB)` : `more than ${maxEntries.toLocaleString('en')} files`;
  return `This account's session data grew to ${what}, so its slice was stopped before it could fill this machine's disk. Log out to delete the session data (the next Connect shows a new code), or raise SLICEDECK_VOLUME_MAX_MB if WhatsApp really needs more; then click Connect.`;
}

/** Any failure of the engine or the slice as a SlicedeckError with words (what the operator sees). */
export function asSlicedeckError(error: unknown): SlicedeckError {
  if (isSlicedeckError(error)) return error;
  if (error instanceof PortTakenError) {
    return new SlicedeckError('ports_exhausted', `Docker kept finding the chosen ports taken (last: ${error.port}). Free ports in SLICEDECK_PORT_RANGE or choose another range, then click Connect again.`);
  }
  return new SlicedeckError('slice_failed', `Starting the slice failed: ${(error as Error)?.message ?? String(error)}. Click Connect to retry.`);
}
