import { describe, expect, it } from 'vitest';
import { CONTAINER_CHROMIUM_ARGS, explainStartFailure, sanitizeClientId } from '../../../src/slice/drivers/wwebjs';

describe('the whatsapp-web.js driver, without a browser', () => {
  it('turns any instance id into a LocalAuth clientId (letters, digits, _ and - only)', () => {
    expect(sanitizeClientId('acc_Alice-01')).toBe('acc_Alice-01');
    expect(sanitizeClientId('acc.alice/../x')).toBe('acc_alice____x');
    expect(sanitizeClientId('')).toBe('default');
    expect(sanitizeClientId('x'.repeat(200))).toHaveLength(64);
    for (const id of ['a b', 'ü', '../..', 'a:b@c']) expect(sanitizeClientId(id)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('launches Chromium with the flags a container needs', () => {
    expect(CONTAINER_CHROMIUM_ARGS).toEqual(expect.arrayContaining(['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage']));
  });

  it('explains failures to reach WhatsApp Web in words an operator can act on', () => {
    expect(explainStartFailure(new Error('net::ERR_NAME_NOT_RESOLVED at https://web.whatsapp.com/'), 60_000)).toMatch(
      /^WhatsApp Web could not be reached \(net::ERR_NAME_NOT_RESOLVED\)\. Check that this computer can reach web\.whatsapp\.com/,
    );
    expect(explainStartFailure(new Error('start_timeout'), 45_000)).toMatch(/could not be reached within 45 s/);
    expect(explainStartFailure(new Error('Failed to launch the browser process!'), 1_000)).toMatch(/Chromium could not start/);
    expect(explainStartFailure("Cannot find package 'whatsapp-web.js' imported from /app/slice.mjs", 1_000)).toMatch(/slicedeck-slice:chromium/);
  });
});
