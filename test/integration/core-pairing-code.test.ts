/**
 * Link with a phone number (issue 9, part 3), on real slices: on the code phase the
 * operator asks for WhatsApp's pairing code for a number (whatsapp-web.js
 * `requestPairingCode`); the code is in the view with its expiry and is re-issued when
 * it expires; typing it on the phone (sim.scan) links the account. Bad numbers are
 * refused with words, and the number never reaches a log in full.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCore, type TestCore } from '../helpers/core';
import { containersOfHome, docker } from '../helpers/docker';

const TTL_MS = 1_500;
let t: TestCore;
beforeAll(async () => {
  t = await makeTestCore({ qrTtlMs: 20_000, simContacts: 5, pairingCodeTtlMs: TTL_MS });
});
afterAll(async () => {
  await t?.cleanup();
});

describe('link with phone number', () => {
  it('gives a code for the number, re-issues it on expiry, and typing it links the account', async () => {
    const account = await t.call('accounts.add', { name: 'Pairing' });
    const accountId = account.id;
    // Before Connect: nothing offers codes yet.
    await expect(t.call('slices.pairingCode', { accountId, phoneNumber: '+1 555 123 4567' })).rejects.toMatchObject({ code: 'slice_unavailable' });
    await t.call('slices.connect', { accountId });
    await t.events.waitForStage(accountId, 'qr');

    await expect(t.call('slices.pairingCode', { accountId, phoneNumber: '12ab' })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/7–15 digits/) });
    const first = await t.call('slices.pairingCode', { accountId, phoneNumber: '+1 (555) 123-4567' });
    expect(first.code).toMatch(/^[A-Z0-9]{8}$/);
    expect(first.expiresAt).toBeGreaterThan(Date.now());
    const shown = await t.events.waitFor('slice', (v) => v.accountId === accountId && v.pairingCode?.code === first.code, 30_000, 'the code in the view');
    expect(shown.stage).toBe('qr');
    // It expires: WhatsApp issues the next one, and the view follows.
    const next = await t.events.waitFor('slice', (v) => v.accountId === accountId && !!v.pairingCode && v.pairingCode.code !== first.code, 30_000, 'a re-issued code');
    expect(next.pairingCode!.expiresAt).toBeGreaterThan(first.expiresAt);

    await t.call('sim.scan', { accountId });
    const ready = await t.events.waitForStage(accountId, 'ready');
    expect(ready.pairingCode).toBeUndefined();
    await expect(t.call('slices.pairingCode', { accountId, phoneNumber: '15551234567' })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/already linked/) });

    // The number never reaches a log in full: not the slice's, not the host's; History has no code.
    const [container] = await containersOfHome(t.homeId, { accountId });
    const sliceLog = (await docker.getContainer(container!.Id).logs({ stdout: true, stderr: true })).toString();
    expect(sliceLog).toMatch(/pairing_code_requested/);
    expect(sliceLog).toContain('…4567');
    expect(sliceLog).not.toContain('15551234567');
    expect(sliceLog).not.toContain(first.code);
    expect(readFileSync(join(t.dataDir, 'test.log'), 'utf8')).not.toContain('15551234567');
    const history = await t.call('slices.history', { accountId });
    expect(history.map((h) => h.type)).toContain('pairing_code');
    expect(JSON.stringify(history)).not.toContain(first.code);
  });
});
