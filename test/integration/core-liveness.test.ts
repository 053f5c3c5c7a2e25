/**
 * Ready but deaf (issue 9, part 4): the slice probes its own client (getState, bounded);
 * a client that stops answering (`go_deaf`) is noticed within two probe intervals and
 * restarted by the slice's restart ladder; History says what happened; the account is
 * Ready again (its session restored, no code) and sends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCore, type TestCore } from '../helpers/core';

const PROBE_MS = 500;
let t: TestCore;
beforeAll(async () => {
  t = await makeTestCore({ qrTtlMs: 20_000, simContacts: 5, livenessProbeMs: PROBE_MS });
});
afterAll(async () => {
  await t?.cleanup();
});

describe('liveness', () => {
  it('a deaf client is detected and restarted, with History rows, and the account works again', async () => {
    const account = await t.call('accounts.add', { name: 'Deaf' });
    const accountId = account.id;
    await t.call('slices.connect', { accountId });
    await t.events.waitForStage(accountId, 'qr');
    await t.call('sim.scan', { accountId });
    await t.events.waitForStage(accountId, 'ready');
    // Healthy probes do nothing for a while.
    await new Promise((resolve) => setTimeout(resolve, 3 * PROBE_MS));
    expect(t.events.of('slice').filter((v) => v.accountId === accountId && v.note)).toEqual([]);

    t.events.clear();
    const deafAt = Date.now();
    await t.call('sim.fault', { accountId, kind: 'go_deaf' });
    const noted = await t.events.waitFor('slice', (v) => v.accountId === accountId && !!v.note, 15_000, 'a note that WhatsApp stopped answering');
    const detectedMs = Date.now() - deafAt;
    expect(noted.note).toMatch(/stopped answering/);
    expect(noted.phase).toBe('ready');
    await t.events.waitFor('slice', (v) => v.accountId === accountId && v.stage === 'ready' && !v.note, 30_000, 'Ready again');
    console.log(`go_deaf detected after ${detectedMs} ms (probe every ${PROBE_MS} ms), back to Ready after ${Date.now() - deafAt} ms`);
    const history = await t.call('slices.history', { accountId });
    const dropped = history.filter((h) => h.type === 'disconnected');
    expect(dropped.at(-1)!.message).toMatch(/WhatsApp Web stopped answering/);
    expect(history.at(-1)!.type).toBe('reconnected');
    const chats = await t.call('chats.list', { accountId });
    expect((await t.call('messages.send', { accountId, chatId: chats[0]!.id, text: 'heard again' })).status).toBe('sent');
  });
});
