import { describe, expect, it } from 'vitest';
import { formatElapsed, phaseSummary } from '../../src/renderer/src/format';
import { parseRoute } from '../../src/renderer/src/routes';

describe('formatElapsed', () => {
  it('shows m:ss', () => {
    expect(formatElapsed(0)).toBe('0:00');
    expect(formatElapsed(7_900)).toBe('0:07');
    expect(formatElapsed(65_000)).toBe('1:05');
    expect(formatElapsed(-5)).toBe('0:00');
  });
});

describe('phaseSummary', () => {
  it('names the code on screen', () => {
    expect(
      phaseSummary({ accountId: 'a', phase: 'qr', stage: 'qr', stageStartedAt: 1, startedAt: 1, qr: { payload: 'p', index: 2, total: 3, issuedAt: 1, expiresAt: 2 } }),
    ).toBe('Waiting for scan · code 2 of 3');
    expect(phaseSummary(undefined)).toBe('Not connected');
  });
});

describe('parseRoute', () => {
  it('reads the hash routes and falls back to accounts', () => {
    expect(parseRoute('#/connect/acc_abcd')).toEqual({ page: 'connect', accountId: 'acc_abcd' });
    expect(parseRoute('#/chat/acc_abcd')).toEqual({ page: 'chat', accountId: 'acc_abcd' });
    // A notification's click names the chat too.
    expect(parseRoute('#/chat/acc_abcd/1555%40c.us')).toEqual({ page: 'chat', accountId: 'acc_abcd', chatId: '1555@c.us' });
    expect(parseRoute('#/dashboard')).toEqual({ page: 'dashboard' });
    expect(parseRoute('')).toEqual({ page: 'accounts' });
    expect(parseRoute('#/connect')).toEqual({ page: 'accounts' });
  });
});
