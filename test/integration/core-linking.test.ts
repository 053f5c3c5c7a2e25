/**
 * From a shown code to a linked account and its chats, through the slice (simulated WhatsApp).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCore, type TestCore } from '../helpers/core';
import { containersOfHome, volumesOfHome } from '../helpers/docker';

let t: TestCore;
beforeAll(async () => {
  t = await makeTestCore({ simContacts: 12, simContactIntervalMs: 15, qrTtlMs: 20_000 });
});
afterAll(async () => {
  await t?.cleanup();
});

describe('linking', () => {
  it('refuses chats and sends before the account has a slice, with words', async () => {
    const account = await t.call('accounts.add', { name: 'Carol' });
    await expect(t.call('chats.list', { accountId: account.id })).rejects.toMatchObject({ code: 'slice_unavailable', message: expect.stringMatching(/Connect this account first/) });
    await expect(t.call('messages.send', { accountId: account.id, chatId: 'x@c.us', text: 'hi' })).rejects.toMatchObject({ code: 'slice_unavailable' });
    await expect(t.call('sim.scan', { accountId: account.id })).rejects.toMatchObject({ code: 'slice_unavailable' });
  });

  it('scan → linking → contacts climb → ready', async () => {
    const account = (await t.call('accounts.list'))[0]!;
    await t.call('slices.connect', { accountId: account.id });
    await t.events.waitForStage(account.id, 'qr');
    await t.call('sim.scan', { accountId: account.id });
    const linking = await t.events.waitForStage(account.id, 'linking');
    expect(linking.phase).toBe('linking');
    expect(linking.qr).toBeUndefined();
    const ready = await t.events.waitForStage(account.id, 'ready');
    expect(ready.phase).toBe('ready');

    const counts = t.events.of('slice').filter((v) => v.accountId === account.id && v.contacts !== undefined).map((v) => v.contacts!);
    expect(counts.length).toBeGreaterThan(1);
    expect([...counts].sort((a, b) => a - b)).toEqual(counts);
    const finalView = await t.call('slices.view', { accountId: account.id });
    expect(finalView.contacts).toBe(12);
    const stages = (await t.call('slices.history', { accountId: account.id })).filter((h) => h.type === 'stage').map((h) => h.stage);
    expect(stages.slice(-3)).toEqual(['qr', 'linking', 'ready']);
  });

  it('lists chats and messages and sends a message through the slice', async () => {
    const account = (await t.call('accounts.list'))[0]!;
    const chats = await t.call('chats.list', { accountId: account.id });
    expect(chats.length).toBeGreaterThan(0);
    const chat = chats[0]!;
    expect(Array.isArray(await t.call('chats.messages', { accountId: account.id, chatId: chat.id }))).toBe(true);

    const sent = await t.call('messages.send', { accountId: account.id, chatId: chat.id, text: 'Hello from the test' });
    expect(sent.status).toBe('sent');
    expect(sent.instanceState).toBe('ready');
    const thread = await t.call('chats.messages', { accountId: account.id, chatId: chat.id });
    expect(thread.some((m) => m.fromMe && m.body === 'Hello from the test')).toBe(true);
  });
});

describe('log out', () => {
  it('unlinks, destroys the slice and deletes the session volume', async () => {
    const account = (await t.call('accounts.list'))[0]!;
    expect(await volumesOfHome(t.homeId)).toContain(`slicedeck-auth-${t.homeId}-${account.id}`);
    await t.call('slices.logout', { accountId: account.id });
    expect(await containersOfHome(t.homeId, { accountId: account.id })).toHaveLength(0);
    expect(await volumesOfHome(t.homeId)).not.toContain(`slicedeck-auth-${t.homeId}-${account.id}`);
    expect(await t.call('slices.view', { accountId: account.id })).toMatchObject({ phase: 'setup', stage: 'idle' });
    expect((await t.call('slices.history', { accountId: account.id })).at(-1)).toMatchObject({ type: 'logout' });
  });
});

describe('simulation-only commands', () => {
  it('refuses sim.scan outside simulation mode', async () => {
    const real = await makeTestCore({ driver: 'whatsapp-web.js' });
    try {
      const account = await real.call('accounts.add', { name: 'Dan' });
      await expect(real.call('sim.scan', { accountId: account.id })).rejects.toMatchObject({ code: 'not_simulation', message: expect.stringMatching(/SLICEDECK_DRIVER=simulated/) });
      expect((await real.call('system.status')).simulation).toBe(false);
    } finally {
      await real.cleanup();
    }
  });
});
