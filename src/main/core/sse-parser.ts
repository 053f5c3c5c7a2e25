/**
 * A server-sent-events parser (the WHATWG framing: `event:`, `data:`, `id:`,
 * comments, blank line ends a message). Fed raw chunks; chunk boundaries may fall
 * anywhere, including inside a line or a CRLF.
 *
 * Bounded and linear, because the other end (a slice) is not trusted: each chunk
 * is scanned once from where the last scan stopped (never the whole buffer again),
 * and a line or message longer than `maxMessageChars` throws SseLimitError instead
 * of growing without end. After that the parser is spent: drop the stream.
 *
 * A message whose `event:` names an event the reader does not know (`isKnownEvent`) is
 * skipped as it streams past: its data lines are scanned for their ends but never kept
 * (only the first SKIPPED_LINE_KEEP characters of each line, to tell a blank line), so a
 * megabyte of unknown event costs one scan and no buffer; `onSkipped` counts it.
 */
export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

/** Long enough for any real slice event (a QR payload is a few hundred bytes). */
export const DEFAULT_MAX_MESSAGE_CHARS = 1024 * 1024;

/** Characters kept of a line of a skipped message: enough to see where the message ends. */
export const SKIPPED_LINE_KEEP = 16;

export interface SseParserOptions {
  /** Largest line or message kept (characters). */
  maxMessageChars?: number;
  /** False for an event name the reader does not follow: that message is skipped unread. */
  isKnownEvent?: (event: string) => boolean;
  /** Told once per skipped message (a budget counts it like any other). */
  onSkipped?: (event: string) => void;
}

export class SseLimitError extends Error {
  constructor(readonly limit: number) {
    super(`an event longer than ${formatChars(limit)} with no end`);
    this.name = 'SseLimitError';
  }
}

function formatChars(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MiB` : `${Math.round(n / 1024)} KiB`;
}

export class SseParser {
  /** Pieces of the line not yet ended; joined once when its end arrives. */
  private pending: string[] = [];
  private pendingChars = 0;
  /** The previous chunk ended with CR: a LF starting the next chunk belongs to it. */
  private afterCr = false;
  private event = '';
  private data: string[] = [];
  private dataChars = 0;
  private id: string | undefined;
  private failed: SseLimitError | null = null;
  /** The current message names an unknown event: its lines are not kept. */
  private skipping = false;
  /** Characters looked at while searching for line ends: at most what was fed (the linear-time promise, pinned by a test). */
  scannedChars = 0;
  /** The most characters held at once (pending line + data): what a message cost in memory, pinned by tests. */
  peakHeldChars = 0;
  private readonly maxMessageChars: number;

  constructor(
    private readonly onMessage: (message: SseMessage) => void,
    options: number | SseParserOptions = {},
  ) {
    this.options = typeof options === 'number' ? { maxMessageChars: options } : options;
    this.maxMessageChars = this.options.maxMessageChars ?? DEFAULT_MAX_MESSAGE_CHARS;
  }

  private readonly options: SseParserOptions;

  /** Throws SseLimitError when a line or message passes the limit (and on every call after). */
  feed(chunk: string): void {
    if (this.failed) throw this.failed;
    let start = 0;
    if (this.afterCr) {
      this.afterCr = false;
      if (chunk.startsWith('\n')) start = 1;
    }
    while (start < chunk.length) {
      const end = nextLineBreak(chunk, start);
      this.scannedChars += (end === -1 ? chunk.length : end + 1) - start;
      if (end === -1) {
        this.keep(chunk.slice(start));
        return;
      }
      // A skipped message's line is never copied whole: its first characters say all we need.
      const piece = this.skipping ? chunk.slice(start, Math.min(end, start + Math.max(0, SKIPPED_LINE_KEEP - this.pendingChars))) : chunk.slice(start, end);
      this.checkLength(this.pendingChars + piece.length);
      const line = this.pending.length > 0 ? this.pending.join('') + piece : piece;
      this.pending = [];
      this.pendingChars = 0;
      if (chunk.charCodeAt(end) === 13 /* CR */) {
        if (end + 1 === chunk.length) {
          this.afterCr = true;
          start = end + 1;
        } else start = chunk.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
      } else start = end + 1;
      this.line(line);
    }
  }

  private keep(piece: string): void {
    if (this.skipping) piece = piece.slice(0, Math.max(0, SKIPPED_LINE_KEEP - this.pendingChars));
    if (piece.length === 0) return;
    this.checkLength(this.pendingChars + piece.length);
    this.pending.push(piece);
    this.pendingChars += piece.length;
  }

  private checkLength(chars: number): void {
    if (chars + this.dataChars > this.peakHeldChars) this.peakHeldChars = chars + this.dataChars;
    if (chars + this.dataChars <= this.maxMessageChars) return;
    this.failed = new SseLimitError(this.maxMessageChars);
    this.pending = [];
    this.data = [];
    throw this.failed;
  }

  private line(line: string): void {
    if (this.skipping) {
      // Everything up to the blank line belongs to the unknown event (its later fields too).
      if (line !== '') return;
      this.skipping = false;
      const event = this.event;
      this.event = '';
      this.options.onSkipped?.(event);
      return;
    }
    if (line === '') {
      if (this.data.length > 0) {
        const message: SseMessage = { event: this.event || 'message', data: this.data.join('\n') };
        if (this.id !== undefined) message.id = this.id;
        this.onMessage(message);
      }
      this.event = '';
      this.data = [];
      this.dataChars = 0;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') {
      this.event = value;
      if (this.options.isKnownEvent && !this.options.isKnownEvent(value || 'message')) {
        // Whatever data came before the name goes too; nothing of this message is kept.
        this.skipping = true;
        this.event = value.slice(0, 64);
        this.data = [];
        this.dataChars = 0;
      }
    } else if (field === 'data') {
      this.data.push(value);
      this.dataChars += value.length + 1;
      this.checkLength(0);
    } else if (field === 'id') this.id = value;
  }
}

const LINE_BREAK = /[\r\n]/g;

/** Index of the first CR or LF at or after `from`, or -1; scans only from `from` on. */
function nextLineBreak(text: string, from: number): number {
  LINE_BREAK.lastIndex = from;
  const match = LINE_BREAK.exec(text);
  return match ? match.index : -1;
}
