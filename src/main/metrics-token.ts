/**
 * The token of the web mode's `GET /metrics`, given to the operator the way the panel's
 * address is (serve.ts, issue 19): `SLICEDECK_METRICS_TOKEN` when set (checked like the
 * panel token), else generated at each start; printed on a terminal, otherwise written
 * alone to `<data dir>/metrics-token` (0600, replaced each start) — the form Prometheus'
 * `authorization.credentials_file` reads — and the log names the file, never the token.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tokensMatch, weakTokenWords } from '../http-kit';
import { createPrivateFile } from './core/secrets/data-dir';

export const METRICS_TOKEN_FILE = 'metrics-token';

/** The token, or words saying why the given one is refused. */
export function metricsToken(given: string | undefined, panelToken: string): { token: string } | { refused: string } {
  const value = given?.trim();
  if (!value) return { token: randomBytes(32).toString('base64url') };
  const weak = weakTokenWords(value, 'SLICEDECK_METRICS_TOKEN');
  if (weak) return { refused: `slicedeck will not start with a weak metrics token: ${weak}` };
  if (tokensMatch(value, panelToken)) return { refused: 'SLICEDECK_METRICS_TOKEN is the panel token: give the metrics a token of their own (a scraper must not hold the key to the panel).' };
  return { token: value };
}

export function announceMetricsToken(
  metricsUrl: string,
  token: string,
  dataDir: string,
  out: { isTTY: boolean; write(text: string): void },
  logger: { info(obj: object, msg?: string): void },
): void {
  if (out.isTTY) {
    out.write(`slicedeck metrics: ${metricsUrl} (send "Authorization: Bearer ${token}")\n`);
    return;
  }
  const file = join(dataDir, METRICS_TOKEN_FILE);
  rmSync(file, { force: true });
  const fd = createPrivateFile(file);
  try {
    writeSync(fd, token);
  } finally {
    closeSync(fd);
  }
  out.write(`slicedeck metrics: ${metricsUrl} (its bearer token is in ${file}, readable by you only)\n`);
  logger.info({ file }, 'the metrics token is in a private file (stdout is not a terminal)');
}
