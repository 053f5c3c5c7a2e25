/** Reads a JSON request body on the shared HTTP layer; every refusal is a SlicedeckError with words. */
import type { IncomingMessage } from 'node:http';
import { SlicedeckError } from '@shared/errors';
import { DEFAULT_BODY_LIMITS, HttpRefusal, readJson, tooLargeWords } from '../../http-kit';

export const MAX_BODY_BYTES = DEFAULT_BODY_LIMITS.maxBytes;

/** A refusal that must go out with its own HTTP status (413 too large, 408 too slow), not the code's. */
export class BodyRefusedError extends SlicedeckError {
  constructor(readonly status: number, message: string) {
    super('invalid_input', message);
  }
}

export class BodyTooLargeError extends BodyRefusedError {
  constructor() {
    super(413, tooLargeWords(MAX_BODY_BYTES));
  }
}

export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    // Draining lets the answer reach the client instead of a reset connection.
    req.resume();
    throw new SlicedeckError('invalid_input', 'Send the command input as JSON (Content-Type: application/json).');
  }
  try {
    return await readJson(req, DEFAULT_BODY_LIMITS);
  } catch (error) {
    if (error instanceof HttpRefusal) {
      if (error.status === 400) throw new SlicedeckError('invalid_input', error.message);
      throw new BodyRefusedError(error.status, error.message);
    }
    throw error;
  }
}
