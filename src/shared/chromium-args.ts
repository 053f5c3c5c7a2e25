/**
 * Extra Chromium flags for every real-driver slice (`SLICEDECK_CHROMIUM_ARGS` on the host,
 * `CHROMIUM_EXTRA_ARGS` in the slice): a JSON array of flags such as
 * `["--proxy-server=http://proxy:3128"]`. One parser for both sides, so the host refuses at
 * start-up exactly what a slice would refuse later (with no zod: the slice boots on every Connect).
 */

/** Enough for a proxy, a resolver rule and a few switches; more is a mistake, not a need. */
export const MAX_CHROMIUM_ARGS = 32;
export const MAX_CHROMIUM_ARG_LENGTH = 1024;

export const CHROMIUM_ARGS_EXAMPLE = '["--proxy-server=http://proxy:3128"]';

export type ChromiumArgsParse = { ok: true; args: string[] } | { ok: false; reason: string };

/** An unset or blank value is no extra flags. `reason` says what is wrong, not which variable. */
export function parseChromiumArgs(raw: string | undefined): ChromiumArgsParse {
  if (raw === undefined || raw.trim() === '') return { ok: true, args: [] };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, reason: `it is not JSON; use a JSON array of Chromium flags, for example ${CHROMIUM_ARGS_EXAMPLE}` };
  }
  if (!Array.isArray(value)) return { ok: false, reason: `it is not a JSON array; use a JSON array of Chromium flags, for example ${CHROMIUM_ARGS_EXAMPLE}` };
  if (value.length > MAX_CHROMIUM_ARGS) return { ok: false, reason: `it holds ${value.length} flags; at most ${MAX_CHROMIUM_ARGS} are accepted` };
  for (const [index, flag] of value.entries()) {
    if (typeof flag !== 'string') return { ok: false, reason: `item ${index + 1} is not a string; every item must be one flag such as "--proxy-server=http://proxy:3128"` };
    // Each item is one argv entry (no shell), so a value may hold spaces, but never a line break or NUL.
    if (!/^--[A-Za-z0-9]/.test(flag)) return { ok: false, reason: `item ${index + 1} (${JSON.stringify(flag.slice(0, 60))}) does not start with "--"; every item must be one Chromium flag` };
    if (flag.length > MAX_CHROMIUM_ARG_LENGTH) return { ok: false, reason: `item ${index + 1} is longer than ${MAX_CHROMIUM_ARG_LENGTH} characters` };
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(flag)) return { ok: false, reason: `item ${index + 1} holds a control character (line break, tab or NUL)` };
  }
  return { ok: true, args: value as string[] };
}
