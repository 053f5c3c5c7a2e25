/**
 * A phone that scanned the last code but never finished logging in: the expired screen
 * says so in the host's words ("The phone scanned the code but did not finish logging
 * in…"), not "The code expired before it was scanned".
 */
import { test, expect, accountName } from './fixtures';
import { rpc } from './panel-server';

test.describe('a phone that scanned but never finished logging in', () => {
  // One code of 5 s; a phone that scanned gets 2 s more, then the host's backstop ends the attempt.
  test.use({ serverEnv: { SLICEDECK_QR_CODES: '1', SLICEDECK_QR_FIRST_TTL_MS: '5000', SLICEDECK_QR_TTL_MS: '2000', SLICEDECK_QR_SCAN_GRACE_MS: '2000' } });

  test('the expired screen gives the host’s words', async ({ page, accounts, server }) => {
    const name = accountName('Noor');
    const accountId = await accounts.add(name);
    const connect = await accounts.openConnect(name);
    await connect.connectButton.click();
    await expect(connect.codeOf(1, 1)).toBeVisible({ timeout: 60_000 });
    // The phone scans, then takes far longer than the grace to log in.
    const scanned = await rpc(server, 'sim.scan', { accountId, syncMs: 120_000 });
    expect(scanned.ok, JSON.stringify(scanned.error)).toBe(true);

    await expect(page.getByRole('heading', { name: 'The phone did not finish logging in' })).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('expired-words')).toHaveText('The phone scanned the code but did not finish logging in in time. Keep the phone online with WhatsApp open, then click Try again.');
    await expect(page.getByRole('heading', { name: 'The code expired before it was scanned' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible();
  });
});
