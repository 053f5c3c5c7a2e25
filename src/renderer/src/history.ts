/**
 * The audit trail (`slices.history`) as the operator reads it: newest first, each
 * row a local time with seconds, a readable label, and words. Pure, so it is tested alone.
 */
import type { Stage } from '@shared/stages';
import type { EpochMs, SliceEventRecord } from '@shared/types';

export interface HistoryRow {
  id: number;
  at: EpochMs;
  /** Local time with seconds; the date too when it was not today. */
  time: string;
  label: string;
  /** The host's own words, else what the entry means; empty when the label says it all. */
  message: string;
  /** "×12, last at 14:03:40" when the same entry came again and was counted on this row; else empty. */
  repeated: string;
  tone: 'normal' | 'bad';
}

/** What each stage means once it is past (the Connect page's words are for "now"). */
const STAGE_LABELS: Record<Stage, string> = {
  idle: 'Slice closed',
  pending: 'Connect started',
  allocating_port: 'Port reserved',
  creating_container: 'Creating the container',
  starting: 'Starting the slice',
  waiting_for_health: 'Waiting for the slice to answer',
  initializing: 'Starting WhatsApp Web',
  qr: 'Showing codes',
  linking: 'Linked',
  ready: 'Ready',
  error: 'Failed',
  qr_timeout: 'Codes expired',
};

const STAGE_WORDS: Partial<Record<Stage, string>> = {
  idle: 'The slice was removed; a linked account keeps its WhatsApp session.',
  qr_timeout: 'None of the codes was scanned in time, so the slice was closed.',
  linking: 'The phone scanned the code.',
  ready: 'WhatsApp is connected.',
};

/** Entries other than stage changes, by the `type` the host records. */
const TYPE_LABELS: Record<string, string> = {
  qr: 'New code',
  contacts: 'Contacts loaded',
  initialize: 'Connect reused the slice',
  logout: 'Logged out',
  'slice.error': 'The slice reported an error',
  disconnected: 'WhatsApp disconnected',
  reconnected: 'WhatsApp reconnected',
  logged_out: 'Logged out on the phone',
  'slice.dead': 'The slice stopped',
  restart: 'Slice restarted',
  adopted: 'Picked up again',
  placed: 'Runs on a node',
  'history.trimmed': 'Older rows dropped',
  'slice.protocol': 'The slice broke the protocol',
};

const BAD_TYPES = new Set(['slice.error', 'slice.dead', 'slice.protocol', 'disconnected', 'logged_out']);

/** A type nobody taught this table yet still reads as words ("slice.rebooted" → "Slice rebooted"). */
function humanize(type: string): string {
  const words = type.replace(/[._-]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : 'Event';
}

export function historyLabel(record: Pick<SliceEventRecord, 'type' | 'stage'>): string {
  if (record.type === 'stage' && record.stage) return STAGE_LABELS[record.stage] ?? humanize(record.stage);
  return TYPE_LABELS[record.type] ?? humanize(record.type);
}

function sameLocalDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

export function formatEventTime(at: EpochMs, now: EpochMs, locales?: string | string[]): string {
  const date = new Date(at);
  const time = date.toLocaleTimeString(locales, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  if (sameLocalDay(date, new Date(now))) return time;
  return `${date.toLocaleDateString(locales, { day: 'numeric', month: 'short', year: 'numeric' })} ${time}`;
}

export function historyRows(records: readonly SliceEventRecord[], now: EpochMs, locales?: string | string[]): HistoryRow[] {
  // The id is the order of writing (several entries can share a millisecond).
  return [...records]
    .sort((a, b) => b.id - a.id)
    .map((record) => {
      const stage = record.type === 'stage' ? record.stage : null;
      return {
        id: record.id,
        at: record.at,
        time: formatEventTime(record.at, now, locales),
        label: historyLabel(record),
        message: record.message ?? (stage ? (STAGE_WORDS[stage] ?? '') : ''),
        // A 'history.trimmed' row's count is of dropped rows, which its words already say.
        repeated:
          record.repeats > 1 && record.type !== 'history.trimmed'
            ? `×${record.repeats}${record.lastAt !== null ? `, last at ${formatEventTime(record.lastAt, now, locales)}` : ''}`
            : '',
        tone: stage === 'error' || BAD_TYPES.has(record.type) ? 'bad' : 'normal',
      };
    });
}
