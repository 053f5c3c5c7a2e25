/** Input rules of the gateway's commands: a token's name and a webhook's address. */
import { z } from 'zod';

export const apiTokenNameSchema = z
  .string({ error: 'The token name must be text.' })
  .trim()
  .min(1, { error: 'Give the token a name (which program uses it).' })
  .max(64, { error: 'Keep the token name to 64 characters or fewer.' })
  .regex(/^[\p{L}\p{N} ._:/()-]+$/u, { error: 'Use letters, digits, spaces and . _ - : / ( ) in the token name.' });

export const WEBHOOK_URL_MAX_CHARS = 2048;

/** Why a webhook address is refused, or null. The address itself is the operator's choice (docs/SECURITY.md: SSRF). */
export function webhookUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'The webhook address is not a URL: give one like https://example.com/hooks/slicedeck.';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'The webhook address must start with http:// or https://.';
  if (url.username || url.password) return 'Leave user names and passwords out of the webhook address: check the signature header instead.';
  if (url.hash) return 'Leave the #fragment out of the webhook address.';
  return null;
}

export const webhookUrlSchema = z
  .string({ error: 'The webhook address must be text.' })
  .trim()
  .min(1, { error: 'Give the webhook address (https://…).' })
  .max(WEBHOOK_URL_MAX_CHARS, { error: `Keep the webhook address to ${WEBHOOK_URL_MAX_CHARS} characters or fewer.` })
  .superRefine((value, ctx) => {
    const problem = webhookUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
