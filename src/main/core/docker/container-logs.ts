/**
 * Reading the end of a slice's log from the engine (`SliceRuntime.logs`): one engine's
 * `GET /containers/{id}/logs`, a swarm's `GET /services/{id}/logs` (the manager gathers
 * the task's lines from its node). Both answer in Docker's multiplexed frames (slices run
 * without a TTY): 8 bytes of header — the stream (1 stdout, 2 stderr) and the payload's
 * length — then the payload, `<RFC 3339 time> <text>` with `timestamps`.
 *
 * Bounded at every step, since the text is the slice's: the engine sends at most `tail`
 * lines, each line is cut to `lineMaxBytes` as it is read, only the newest `tail` lines are
 * kept, the whole answer is read as a stream (never buffered whole) under a deadline.
 */
import type { IncomingMessage } from 'node:http';
import type Docker from 'dockerode';
import { SlicedeckError } from '@shared/errors';
import { statusOf, translateEngineError } from './engine';

export interface LogRequest {
  /** Lines to ask the engine for, from the end. */
  tail: number;
  /** Each line is cut to this many bytes (the rest is skipped, not kept). */
  lineMaxBytes: number;
  timeoutMs: number;
}

/** One line as the engine gave it (not yet cleaned: the slice's text). */
export interface RawLogLine {
  at: number | null;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** `<RFC 3339 with nanoseconds> ` that `timestamps: true` puts before each line. */
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2}) /;

function splitTimestamp(line: string): { at: number | null; text: string } {
  const match = TIMESTAMP.exec(line);
  if (!match) return { at: null, text: line };
  const at = Date.parse(`${match[1]}${(match[2] ?? '').slice(0, 4)}${match[3]}`);
  return { at: Number.isFinite(at) ? at : null, text: line.slice(match[0].length) };
}

/**
 * Parses multiplexed frames fed in chunks of any size into lines, keeping the newest
 * `keep` lines and at most `lineMaxBytes` of each. Exported for the unit test.
 */
export class LogFrameParser {
  private header = Buffer.alloc(0);
  private remaining = 0;
  private stream: 'stdout' | 'stderr' = 'stdout';
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private readonly lines: RawLogLine[] = [];

  constructor(private readonly keep: number, private readonly lineMaxBytes: number) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining === 0) {
        const need = 8 - this.header.length;
        this.header = Buffer.concat([this.header, chunk.subarray(at, at + need)]);
        at += Math.min(need, chunk.length - at);
        if (this.header.length < 8) return;
        this.stream = this.header[0] === 2 ? 'stderr' : 'stdout';
        this.remaining = this.header.readUInt32BE(4);
        this.header = Buffer.alloc(0);
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - at);
      this.payload(chunk.subarray(at, at + take));
      at += take;
      this.remaining -= take;
      if (this.remaining === 0) this.endLine();
    }
  }

  /** The lines read, oldest first (a frame cut short at the end counts as a line). */
  finish(): RawLogLine[] {
    if (this.partialBytes > 0) this.endLine();
    return this.lines;
  }

  private payload(bytes: Buffer): void {
    let from = 0;
    for (let nl = bytes.indexOf(10, from); nl !== -1; nl = bytes.indexOf(10, from)) {
      this.keepBytes(bytes.subarray(from, nl));
      this.endLine();
      from = nl + 1;
    }
    this.keepBytes(bytes.subarray(from));
  }

  private keepBytes(bytes: Buffer): void {
    const room = this.lineMaxBytes - this.partialBytes;
    if (room <= 0 || bytes.length === 0) return;
    const kept = bytes.length > room ? bytes.subarray(0, room) : bytes;
    this.partial.push(Buffer.from(kept));
    this.partialBytes += kept.length;
  }

  private endLine(): void {
    if (this.partialBytes === 0 && this.partial.length === 0) return;
    // A cut may fall inside a character: the decoder makes it U+FFFD, never a crash.
    const line = Buffer.concat(this.partial).toString('utf8');
    this.partial = [];
    this.partialBytes = 0;
    const { at, text } = splitTimestamp(line);
    this.lines.push({ at, stream: this.stream, text });
    if (this.lines.length > this.keep) this.lines.shift();
  }
}

/**
 * Asks `path` (…/logs?) of the engine for the last `tail` lines, with times, both streams.
 * null when the container or service does not exist.
 */
export async function readEngineLogs(engine: Docker, path: string, opts: LogRequest, doing: string): Promise<RawLogLine[] | null> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
  const parser = new LogFrameParser(opts.tail, opts.lineMaxBytes);
  try {
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      engine.modem.dial(
        {
          path,
          method: 'GET',
          isStream: true,
          abortSignal: controller.signal,
          statusCodes: { 200: true, 404: 'no such container', 500: 'server error', 503: 'node is not part of a swarm' },
          options: { stdout: true, stderr: true, timestamps: true, follow: false, tail: opts.tail },
        },
        (error: unknown, data: unknown) => (error ? reject(error) : resolve(data as IncomingMessage)),
      );
    });
    for await (const chunk of response) parser.push(chunk as Buffer);
    return parser.finish();
  } catch (error) {
    if (statusOf(error) === 404) return null;
    if (controller.signal.aborted) throw new SlicedeckError('timeout', `Docker took longer than ${opts.timeoutMs} ms to ${doing}.`);
    throw translateEngineError(error, doing);
  } finally {
    clearTimeout(timer);
  }
}
