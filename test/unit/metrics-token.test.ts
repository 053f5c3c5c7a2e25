/**
 * The token of web mode's /metrics (src/main/metrics-token.ts): its own, checked like the
 * panel's, and given the way the panel's address is — printed on a terminal, else in a
 * 0600 file of the data dir that the log names without the token.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { METRICS_TOKEN_FILE, announceMetricsToken, metricsToken } from '../../src/main/metrics-token';

const PANEL = 'panel-token-0123456789-abcdefgh';

describe('metricsToken', () => {
  it('generates a strong one when none is given', () => {
    const a = metricsToken(undefined, PANEL);
    const b = metricsToken('  ', PANEL);
    expect('token' in a && a.token.length).toBeGreaterThanOrEqual(32);
    expect('token' in a && 'token' in b && a.token !== b.token).toBe(true);
  });
  it('refuses a weak one, and the panel token, with words', () => {
    expect(metricsToken('short', PANEL)).toEqual({ refused: expect.stringMatching(/weak metrics token: SLICEDECK_METRICS_TOKEN is 5 characters long/) });
    expect(metricsToken(PANEL, PANEL)).toEqual({ refused: expect.stringMatching(/is the panel token/) });
    expect(metricsToken('metrics-token-0123456789-abcdefgh', PANEL)).toEqual({ token: 'metrics-token-0123456789-abcdefgh' });
  });
});

describe('announceMetricsToken', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });
  const capture = (isTTY: boolean) => {
    const out = { isTTY, text: '', write: (text: string) => void (out.text += text) };
    const logged: object[] = [];
    return { out, logger: { info: (obj: object) => void logged.push(obj) }, logged };
  };

  it('prints it on a terminal and writes no file', () => {
    dir = mkdtempSync(join(tmpdir(), 'slicedeck-metrics-token-'));
    const { out, logger } = capture(true);
    announceMetricsToken('http://127.0.0.1:1/metrics', 'the-token-value-0123456789', dir, out, logger);
    expect(out.text).toContain('Bearer the-token-value-0123456789');
    expect(existsSync(join(dir, METRICS_TOKEN_FILE))).toBe(false);
  });

  it('otherwise writes it alone to a 0600 file (replacing a planted link), naming the file, never the token', () => {
    dir = mkdtempSync(join(tmpdir(), 'slicedeck-metrics-token-'));
    const target = join(dir, 'elsewhere');
    writeFileSync(target, 'untouched');
    symlinkSync(target, join(dir, METRICS_TOKEN_FILE));
    const { out, logger, logged } = capture(false);
    announceMetricsToken('http://127.0.0.1:1/metrics', 'the-token-value-0123456789', dir, out, logger);
    const file = join(dir, METRICS_TOKEN_FILE);
    expect(readFileSync(file, 'utf8')).toBe('the-token-value-0123456789');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(target, 'utf8')).toBe('untouched');
    expect(out.text).toContain(file);
    expect(out.text).not.toContain('the-token-value');
    expect(JSON.stringify(logged)).not.toContain('the-token-value');
  });
});
