/**
 * A code scanned in its last moments by a phone that takes longer to log in than
 * the code had left (issue 13, defect 2): through the core, the real slice app (on the
 * in-memory runtime: no Docker) and the one driver over the stand-in WhatsApp. The slice
 * asks WhatsApp's state at the codes' end, says `pairing`, and the host waits instead of
 * tearing down. Moved down from test/integration/core-late-scan.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMemoryCore, type MemoryCore } from '../../helpers/memory-core';

let t: MemoryCore;
beforeAll(async () => {
  // Two codes of 2 s each; a phone that scanned gets up to 30 s to finish logging in.
  t = await makeMemoryCore({ qrCodes: 2, qrFirstTtlMs: 2_000, qrTtlMs: 2_000, qrScanGraceMs: 30_000, simContacts: 5, simContactIntervalMs: 10 });
});
afterAll(async () => {
  await t?.cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a late scan', () => {
  it('refuses a syncMs out of bounds with words', async () => {
    const account = await t.call('accounts.add', { name: 'Late Lena' });
    await expect(t.call('sim.scan', { accountId: account.id, syncMs: 120_001 })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/syncMs/) });
    await expect(t.call('sim.scan', { accountId: account.id, syncMs: -1 })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('a scan in the last code’s final moments with a slow phone ends ready, not “Code expired”', async () => {
    const account = (await t.call('accounts.list'))[0]!;
    await t.call('slices.connect', { accountId: account.id });
    const last = await t.events.waitFor('slice', (v) => v.accountId === account.id && v.qr?.index === 2, 30_000, 'code 2 of 2');
    // The host and the slice are on one machine: one clock. A second before the end leaves the
    // scan call room on a loaded machine; the phone (6 s) still takes far longer than the code has left.
    await sleep(Math.max(0, last.qr!.expiresAt - Date.now() - 1_000));
    await t.call('sim.scan', { accountId: account.id, syncMs: 6_000 });

    const pairing = await t.events.waitFor('slice', (v) => v.accountId === account.id && v.pairingUntil !== undefined, 45_000, 'the slice to say a phone is logging in');
    expect(pairing).toMatchObject({ phase: 'qr', stage: 'qr' });
    expect(pairing.pairingUntil!).toBeGreaterThan(last.qr!.expiresAt + 20_000);

    const ready = await t.events.waitForStage(account.id, 'ready', 40_000);
    expect(ready.phase).toBe('ready');
    const stages = t.events.of('slice').filter((v) => v.accountId === account.id).map((v) => v.stage);
    expect(stages).not.toContain('qr_timeout');
    const history = await t.call('slices.history', { accountId: account.id });
    expect(history.some((h) => h.type === 'pairing' && /logging in/.test(h.message ?? ''))).toBe(true);
    expect(t.runtime.containersOf(t.homeId, account.id)).toHaveLength(1);
  });
});

describe('real code lifetimes through the host', () => {
  let u: MemoryCore;
  beforeAll(async () => {
    u = await makeMemoryCore({ qrCodes: 2, qrFirstTtlMs: 3_000, qrTtlMs: 1_000 });
  });
  afterAll(async () => {
    await u?.cleanup();
  });

  it('the first code lives SLICEDECK_QR_FIRST_TTL_MS, later ones SLICEDECK_QR_TTL_MS, and the host expires after the last', async () => {
    const account = await u.call('accounts.add', { name: 'Timed Tom' });
    await u.call('slices.connect', { accountId: account.id });
    const expired = await u.events.waitForStage(account.id, 'qr_timeout', 40_000);
    const codes = new Map(u.events.of('slice').filter((v) => v.accountId === account.id && v.qr).map((v) => [v.qr!.index, v.qr!]));
    expect([...codes.keys()]).toEqual([1, 2]);
    expect(codes.get(1)!.expiresAt - codes.get(1)!.issuedAt).toBe(3_000);
    expect(codes.get(2)!.expiresAt - codes.get(2)!.issuedAt).toBe(1_000);
    // Code 2 came when code 1 expired (WhatsApp's rotation in the stand-in), and the host waited for code 2's end.
    expect(codes.get(2)!.issuedAt).toBeGreaterThanOrEqual(codes.get(1)!.expiresAt - 50);
    expect(expired.stageStartedAt!).toBeGreaterThanOrEqual(codes.get(2)!.expiresAt);
    expect(expired.error).toBeUndefined();
  });
});
