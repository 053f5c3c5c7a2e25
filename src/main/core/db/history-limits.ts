/**
 * How much History one account may hold (issue 19: a compromised slice wrote 93,450 valid
 * rows in 10 s and took the database from 2 to 418 MiB). The store keeps the newest
 * `historyCap` rows per account and one row saying how many older ones went; the same row
 * again (kind, stage, words, slice) within `historyCoalesceMs` is counted on the last one.
 */
import { HOST_SETTINGS } from '@shared/host-settings';

/** Rows kept per account (SLICEDECK_HISTORY_CAP): a busy account's months of connects and drops. */
export const DEFAULT_HISTORY_CAP = HOST_SETTINGS.historyCap.default;
/** A repeat within this long is counted, not added (SLICEDECK_HISTORY_COALESCE_MS). */
export const DEFAULT_HISTORY_COALESCE_MS = HOST_SETTINGS.historyCoalesceMs.default;
/** The row that says older rows were dropped; always the account's oldest. */
export const HISTORY_TRIMMED_TYPE = 'history.trimmed';

export function historyTrimmedWords(dropped: number, cap: number): string {
  return `${dropped} older History row${dropped === 1 ? ' was' : 's were'} dropped to keep the newest ${cap} (SLICEDECK_HISTORY_CAP sets how many).`;
}
