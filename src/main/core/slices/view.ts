/**
 * The one projection from the host's persisted row to what the operator sees.
 * The renderer never infers a phase; it renders this.
 */
import { isProvisioningStage, phaseOfStage } from '@shared/stages';
import type { LinkWaitStep, SliceView } from '@shared/types';
import type { SliceRow } from '../db/store';
import { WAITING_WORDS } from './words';

/** What the view shows beyond the row (kept elsewhere: accounts.session_saved_at, the outbox, the live slice). */
export interface ViewExtras {
  /** The account's volume holds a session that WhatsApp accepted last time. */
  sessionSaved?: boolean;
  pairingCode?: { code: string; expiresAt: number };
  loadingPercent?: number;
  /** What the slice says it waits for while starting or linking. */
  waitingFor?: LinkWaitStep;
  queued?: number;
  unread?: number;
}

export function projectView(accountId: string, row: SliceRow | undefined, extras: ViewExtras = {}): SliceView {
  if (!row) {
    const empty: SliceView = { accountId, phase: 'setup', stage: 'idle', stageStartedAt: null, startedAt: null };
    if (extras.queued) empty.queued = extras.queued;
    return empty;
  }
  const view: SliceView = {
    accountId,
    phase: phaseOfStage(row.stage),
    stage: row.stage,
    stageStartedAt: row.stageStartedAt,
    startedAt: row.startedAt,
  };
  if (row.sliceId) view.sliceId = row.sliceId;
  if (row.port !== null) view.port = row.port;
  if (row.nodeName) view.node = row.nodeName;
  // A code is only worth showing while the operator is meant to scan it.
  if (row.qr && row.stage === 'qr') {
    view.qr = row.qr;
    // A phone scanned it and is logging in: the panel says so instead of counting the code down.
    if (row.pairingUntil !== null) view.pairingUntil = row.pairingUntil;
  }
  if (row.contacts !== null && (row.stage === 'linking' || row.stage === 'ready')) view.contacts = row.contacts;
  // What ended the attempt (the error stage, and the expired one: "the phone scanned but did not
  // finish logging in"), and words beside the current stage: two columns, each shown as itself.
  if (row.error) view.error = row.error;
  if (row.note) view.note = row.note;
  if (row.restarts > 0) view.restarts = row.restarts;
  // Starting with a saved session: no code is expected, the panel says it is restoring.
  if (extras.sessionSaved && (isProvisioningStage(row.stage) || row.stage === 'linking')) view.restoring = true;
  if (extras.pairingCode && row.stage === 'qr') view.pairingCode = extras.pairingCode;
  if (extras.loadingPercent !== undefined && (row.stage === 'linking' || row.stage === 'initializing')) view.loadingPercent = extras.loadingPercent;
  if (extras.waitingFor && (row.stage === 'linking' || row.stage === 'initializing')) view.waitingFor = WAITING_WORDS[extras.waitingFor];
  if (extras.queued) view.queued = extras.queued;
  // Only while linked: a logged-out or destroyed account's old count would point at nothing to read.
  if (extras.unread && (row.stage === 'ready' || row.stage === 'linking')) view.unread = extras.unread;
  return view;
}
