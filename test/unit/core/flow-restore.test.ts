/**
 * A linked account coming back, on the in-memory runtime (no Docker; the slice app and
 * the host are the product's own): a restored session WhatsApp syncs together with
 * CONNECTED is Ready again after Disconnect → Connect with no code and one Ready; a client
 * that goes deaf while Ready (issue 9, part 4) is noticed by the slice's liveness probe,
 * restarted by its ladder, and the account is Ready again and sends. Moved down from
 * core-link-stall.test.ts and core-liveness.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkNewAccount } from '../../helpers/core';
import { makeMemoryCore, type MemoryCore } from '../../helpers/memory-core';

describe('a restored session WhatsApp synced together with CONNECTED', () => {
  let t: MemoryCore;
  beforeAll(async () => {
    t = await makeMemoryCore({ simRestoreSync: 'with_connected' });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('is Ready again after Disconnect → Connect, with no code, one Ready', async () => {
    const { accountId } = await linkNewAccount(t, 'Quick restore');
    await t.call('slices.destroy', { accountId });
    const connectedAt = Date.now();
    await t.call('slices.connect', { accountId });
    const settled = await t.events.waitFor(
      'slice',
      (v) => v.accountId === accountId && (v.startedAt ?? 0) >= connectedAt && (v.phase === 'ready' || v.phase === 'error' || v.phase === 'expired'),
      30_000,
      'ready from the saved session',
    );
    expect(settled, settled.error).toMatchObject({ phase: 'ready' });
    const views = t.events.of('slice').filter((v) => v.accountId === accountId && (v.startedAt ?? 0) >= connectedAt);
    expect(views.filter((v) => v.qr)).toEqual([]);
    const history = (await t.call('slices.history', { accountId })).filter((row) => row.at >= connectedAt);
    expect(history.filter((row) => row.type === 'session.restored')).toHaveLength(1);
    expect(history.filter((row) => row.type === 'stage' && row.stage === 'ready')).toHaveLength(1);
  });
});

describe('liveness', () => {
  const PROBE_MS = 500;
  let t: MemoryCore;
  beforeAll(async () => {
    t = await makeMemoryCore({ qrTtlMs: 20_000, simContacts: 5, livenessProbeMs: PROBE_MS });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('a deaf client is detected and restarted, with History rows, and the account works again', async () => {
    const { accountId } = await linkNewAccount(t, 'Deaf');
    // Healthy probes do nothing for a while.
    await new Promise((resolve) => setTimeout(resolve, 3 * PROBE_MS));
    expect(t.events.of('slice').filter((v) => v.accountId === accountId && v.note)).toEqual([]);

    t.events.clear();
    await t.call('sim.fault', { accountId, kind: 'go_deaf' });
    const noted = await t.events.waitFor('slice', (v) => v.accountId === accountId && !!v.note, 15_000, 'a note that WhatsApp stopped answering');
    expect(noted.note).toMatch(/stopped answering/);
    expect(noted.phase).toBe('ready');
    await t.events.waitFor('slice', (v) => v.accountId === accountId && v.stage === 'ready' && !v.note, 30_000, 'Ready again');
    const history = await t.call('slices.history', { accountId });
    const dropped = history.filter((h) => h.type === 'disconnected');
    expect(dropped.at(-1)!.message).toMatch(/WhatsApp Web stopped answering/);
    expect(history.at(-1)!.type).toBe('reconnected');
    const chats = await t.call('chats.list', { accountId });
    expect((await t.call('messages.send', { accountId, chatId: chats[0]!.id, text: 'heard again' })).status).toBe('sent');
  });
});
