/** Reads a JSON request body with a size cap; every refusal is a SlicedeckError with words. */
import type { IncomingMessage } from 'node:http';
import { SlicedeckError } from '@shared/errors';

export const MAX_BODY_BYTES = 64 * 1024;

export class BodyTooLargeError extends SlicedeckError {
  constructor() {
    super('invalid_input', `The request body is larger than ${MAX_BODY_BYTES / 1024} KB; send less.`);
  }
}

export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    // Draining lets the answer reach the client instead of a reset connection.
    req.resume();
    throw new SlicedeckError('invalid_input', 'Send the command input as JSON (Content-Type: application/json).');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    throw new BodyTooLargeError();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      throw new BodyTooLargeError();
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SlicedeckError('invalid_input', 'The request body is not valid JSON.');
  }
}
