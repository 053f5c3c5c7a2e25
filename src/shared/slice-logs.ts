/**
 * The log view of one slice (`slices.logs`): the container's last lines, bounded in count
 * and bytes, optionally filtered by a search. The text is the slice's, untrusted: the host
 * cleans it (text-safety.ts) and masks the slice's token before it leaves; the panel shows
 * it as text only.
 */

/** Lines the host reads from the end of the container's log per request (before a search filters them). */
export const SLICE_LOG_SCAN_LINES = 2_000;
/** The most lines one answer carries (the newest, after the search). */
export const SLICE_LOG_LINES_MAX = 500;
/** One line is cut to this many bytes of UTF-8. */
export const SLICE_LOG_LINE_MAX_BYTES = 2_048;
export const SLICE_LOG_QUERY_MAX_CHARS = 200;

export interface SliceLogLine {
  /** Epoch ms the engine stamped the line with; null when it gave none. */
  at: number | null;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface SliceLogPage {
  /** Oldest first; at most the requested limit (≤ SLICE_LOG_LINES_MAX). */
  lines: SliceLogLine[];
  /** Lines of the scanned tail the search (or the limit) left out. */
  omitted: number;
  /** Whether the account has a slice container to read (false: nothing running; `words` says so). */
  running: boolean;
  /** Words for the operator when there is nothing to read, else null. */
  words: string | null;
}
