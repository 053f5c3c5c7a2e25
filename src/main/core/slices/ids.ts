import { randomBytes } from 'node:crypto';

/** Account ids match `accountIdSchema` (acc_…); slice ids are safe in Docker names. */
export function newAccountId(): string {
  return `acc_${randomBytes(9).toString('base64url')}`;
}

export function newSliceId(): string {
  return `slc_${randomBytes(9).toString('hex')}`;
}

