/** Words and numbers as the operator reads them. */
import { STAGE_INFO } from '@shared/stages';
import type { SliceView } from '@shared/types';

/** `m:ss` (minutes grow past 59 rather than wrapping: provisioning never takes hours). */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}

export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return `${hours}h ${minutes % 60}m`;
}

export { formatBytes } from '@shared/file-size';

export function formatTime(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** One short line for an account row (the phase, live). */
export function phaseSummary(view: SliceView | undefined): string {
  if (!view) return 'Not connected';
  switch (view.phase) {
    case 'setup':
      return 'Not connected';
    case 'provisioning':
      return STAGE_INFO[view.stage].message;
    case 'qr':
      return view.qr ? `Waiting for scan · code ${view.qr.index} of ${view.qr.total}` : 'Waiting for scan';
    case 'linking':
      return `Linked · ${view.contacts ?? 0} contacts found`;
    case 'ready':
      return 'Connected';
    case 'expired':
      return 'Code expired';
    case 'error':
      return 'Failed';
  }
}

/** The phase in a few letters, for tables ("QR 2/3", "Linking · 12"). */
export function phaseShort(view: SliceView | undefined): string {
  if (!view) return 'Not connected';
  switch (view.phase) {
    case 'setup':
      return 'Not connected';
    case 'provisioning':
      return 'Starting';
    case 'qr':
      return view.qr ? `QR ${view.qr.index}/${view.qr.total}` : 'QR';
    case 'linking':
      return `Linking · ${view.contacts ?? 0}`;
    case 'ready':
      return 'Ready';
    case 'expired':
      return 'Expired';
    case 'error':
      return 'Error';
  }
}
