/** Which slices end gracefully, with how long, and the slice's own bound below the host's grace. */
import { describe, expect, it } from 'vitest';
import { sliceShutdownMs } from '@shared/slice-protocol';
import { loadConfig } from '../../../src/main/core/config';
import { graceSeconds } from '../../../src/main/core/docker/engine';
import { mayHoldSession } from '../../../src/main/core/slices/graceful-stop';
import { puppeteerOptions } from '../../../src/slice/drivers/wwebjs';

describe('a slice that may hold a session', () => {
  it('is one linked, linking, or restoring a saved session; not one showing codes or still provisioning', () => {
    expect(mayHoldSession('ready', false)).toBe(true);
    expect(mayHoldSession('linking', false)).toBe(true);
    expect(mayHoldSession('initializing', true)).toBe(true);
    expect(mayHoldSession('initializing', false)).toBe(false);
    expect(mayHoldSession('qr', true)).toBe(false);
    expect(mayHoldSession('starting', true)).toBe(false);
  });
});

describe('the stop grace', () => {
  it('is SLICEDECK_STOP_GRACE_MS, 10 s by default, refused with words outside 1–120 s', () => {
    expect(loadConfig({ HOME: '/home/op' }).stopGraceMs).toBe(10_000);
    expect(loadConfig({ HOME: '/home/op', SLICEDECK_STOP_GRACE_MS: '3000' }).stopGraceMs).toBe(3_000);
    expect(() => loadConfig({ HOME: '/home/op', SLICEDECK_STOP_GRACE_MS: '500' })).toThrow(/SLICEDECK_STOP_GRACE_MS="500" is not valid: use a whole number from 1000 to 120000/);
  });

  it('rounds up to Docker’s whole seconds, never down to an immediate kill', () => {
    expect(graceSeconds(10_000)).toBe(10);
    expect(graceSeconds(1_500)).toBe(2);
    expect(graceSeconds(0)).toBe(1);
  });

  it('leaves the slice’s own shutdown bound below it, so the slice exits by itself before the SIGKILL', () => {
    for (const grace of [1_000, 10_000, 120_000]) {
      expect(sliceShutdownMs(grace)).toBeLessThan(grace);
      expect(sliceShutdownMs(grace)).toBeGreaterThan(0);
    }
  });

  it('is not cut short inside the slice: puppeteer must not kill Chromium on SIGTERM (the slice closes it)', () => {
    const options = puppeteerOptions({ chromePath: '/usr/bin/chromium', startTimeoutMs: 60_000, chromiumExtraArgs: [] });
    expect(options).toMatchObject({ handleSIGTERM: false, handleSIGINT: false, handleSIGHUP: false });
  });
});
