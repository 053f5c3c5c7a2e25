/**
 * `slices.logs`: the last lines of an account's slice container, for the panel's log view.
 * Read from the engine on each call (the runtime's `logs`: one engine or a swarm), never
 * kept by the host. The slice's text is untrusted: each line is cleaned like the slice's
 * words (text-safety.ts: controls and bidi characters out, cut to a byte cap) and the
 * slice's token masked before it leaves; a search keeps the lines that contain it.
 */
import { SlicedeckError } from '@shared/errors';
import { isTerminalStage } from '@shared/stages';
import { SLICE_LOG_LINES_MAX, SLICE_LOG_LINE_MAX_BYTES, SLICE_LOG_SCAN_LINES, type SliceLogLine, type SliceLogPage } from '@shared/slice-logs';
import { cleanSliceWords } from '@shared/text-safety';
import type { Store } from '../db/store';
import type { SliceRuntime } from '../docker/runtime';
import { maskSecret } from './mask-secret';

/** The engine reads the end of a json-file log quickly; a loaded machine gets room. */
export const SLICE_LOG_TIMEOUT_MS = 10_000;

export const NO_SLICE_LOG_WORDS = 'This account has no slice running, so there is no log to show. Click Connect to start one; its log appears here.';

export interface SliceLogsOptions {
  store: Store;
  runtime: SliceRuntime;
  timeoutMs?: number;
}

export class SliceLogs {
  constructor(private readonly opts: SliceLogsOptions) {}

  async read(accountId: string, request: { query?: string | undefined; limit?: number | undefined } = {}): Promise<SliceLogPage> {
    const { store, runtime } = this.opts;
    if (!store.getAccount(accountId)) throw new SlicedeckError('not_found', 'There is no such account (it may have been removed). Refresh the account list.');
    const row = store.getSlice(accountId);
    if (!row || !row.sliceRef || isTerminalStage(row.stage)) return { lines: [], omitted: 0, running: false, words: NO_SLICE_LOG_WORDS };
    const raw = await runtime.logs(row.sliceRef, { tail: SLICE_LOG_SCAN_LINES, lineMaxBytes: SLICE_LOG_LINE_MAX_BYTES, timeoutMs: this.opts.timeoutMs ?? SLICE_LOG_TIMEOUT_MS });
    if (!raw) return { lines: [], omitted: 0, running: false, words: NO_SLICE_LOG_WORDS };
    const lines: SliceLogLine[] = raw.map((line) => ({
      at: line.at,
      stream: line.stream,
      // Cleaned first: a token with a control character inside would otherwise be masked, then rejoined.
      text: maskSecret(cleanSliceWords(line.text, SLICE_LOG_LINE_MAX_BYTES), row.token),
    }));
    const query = request.query?.trim().toLowerCase() ?? '';
    const matching = query ? lines.filter((line) => line.text.toLowerCase().includes(query)) : lines;
    const limit = Math.min(request.limit ?? SLICE_LOG_LINES_MAX, SLICE_LOG_LINES_MAX);
    const kept = matching.slice(-limit);
    return { lines: kept, omitted: lines.length - kept.length, running: true, words: null };
  }
}
