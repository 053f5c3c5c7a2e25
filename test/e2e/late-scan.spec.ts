/**
 * Real QR lifetimes and a late scan, as the operator sees them: code 1's countdown
 * runs over its own (longer) lifetime, and a code scanned in its last moments by a
 * slow phone shows "Code scanned — the phone is logging in…" instead of a countdown
 * at zero, then the chats — never "The code expired".
 */
import { test, expect, accountName } from './fixtures';
import { rpc } from './panel-server';

test.describe('a code scanned in its last moments', () => {
  // One code of 6 s (first) — later codes would be 2 s; a phone that scanned gets 60 s.
  test.use({ serverEnv: { SLICEDECK_QR_CODES: '1', SLICEDECK_QR_FIRST_TTL_MS: '6000', SLICEDECK_QR_TTL_MS: '2000', SLICEDECK_QR_SCAN_GRACE_MS: '60000' } });

  test('shows the phone logging in, then the chats', async ({ page, accounts, server }) => {
    const name = accountName('Lia');
    const accountId = await accounts.add(name);
    const connect = await accounts.openConnect(name);
    await connect.connectButton.click();
    await expect(connect.codeOf(1, 1)).toBeVisible({ timeout: 60_000 });

    // The countdown is the code's own: 6 s, so after ~2 s it is still well above a 2 s lifetime's share.
    const countdown = page.getByTestId('qr-countdown');
    await page.waitForTimeout(2_000);
    expect(Number(await countdown.getAttribute('aria-valuenow'))).toBeGreaterThan(40);

    const view = (await rpc(server, 'slices.view', { accountId })).result as { qr: { expiresAt: number } };
    // 1.5 s before the end leaves the scan call room on a loaded machine; the phone (5 s) still outlasts the code.
    await page.waitForTimeout(Math.max(0, view.qr.expiresAt - Date.now() - 1_500));
    const scanned = await rpc(server, 'sim.scan', { accountId, syncMs: 5_000 });
    expect(scanned.ok, JSON.stringify(scanned.error)).toBe(true);

    await expect(page.getByText('Code scanned — the phone is logging in…')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('qr-countdown')).toHaveCount(0);
    await expect(page).toHaveURL(/chat/, { timeout: 30_000 });
    await expect(page.getByRole('heading', { name: 'The code expired before it was scanned' })).toHaveCount(0);
  });
});
