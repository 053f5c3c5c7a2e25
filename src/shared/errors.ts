/**
 * Errors are values with words: every failure that crosses a boundary carries a
 * stable code (for code) and a message that tells the operator what to do.
 */
export const ERROR_CODES = [
  'invalid_input',
  'unknown_command',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'docker_unreachable',
  'image_missing',
  'ports_exhausted',
  'slice_unavailable',
  'slice_failed',
  'not_simulation',
  'timeout',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface WireError {
  code: ErrorCode;
  message: string;
  /** Field-level problems for `invalid_input`. */
  issues?: { path: string; message: string }[];
}

export class SlicedeckError extends Error {
  readonly code: ErrorCode;
  readonly issues?: WireError['issues'];

  constructor(code: ErrorCode, message: string, issues?: WireError['issues']) {
    super(message);
    this.name = 'SlicedeckError';
    this.code = code;
    if (issues) this.issues = issues;
  }

  toWire(): WireError {
    return this.issues ? { code: this.code, message: this.message, issues: this.issues } : { code: this.code, message: this.message };
  }

  static fromWire(wire: WireError): SlicedeckError {
    return new SlicedeckError(wire.code, wire.message, wire.issues);
  }
}

export function isSlicedeckError(value: unknown): value is SlicedeckError {
  return value instanceof SlicedeckError;
}

/** HTTP status the web transport answers for each code. */
export const HTTP_STATUS_OF: Record<ErrorCode, number> = {
  invalid_input: 400,
  unknown_command: 404,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  docker_unreachable: 503,
  image_missing: 503,
  ports_exhausted: 503,
  slice_unavailable: 502,
  slice_failed: 502,
  not_simulation: 403,
  timeout: 504,
  internal: 500,
};

/** Anything thrown becomes a WireError; unknown errors never leak stack traces. */
export function toWireError(error: unknown): WireError {
  if (isSlicedeckError(error)) return error.toWire();
  return {
    code: 'internal',
    message: 'An unexpected error happened in slicedeck. Try again; if it keeps happening, check the log.',
  };
}
