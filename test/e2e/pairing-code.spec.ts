/**
 * Link with phone number in the panel (issue 9, part 3), in Chromium against the real
 * web mode: a bad number is refused with words; a good one shows WhatsApp's code large
 * as ABCD-EFGH with its countdown; the code is re-issued when it expires; typing it on
 * the (simulated) phone links the account and the chats open. Screenshot kept.
 */
import { test, expect, accountName } from './fixtures';
import { rpc } from './panel-server';

test.describe('link with phone number', () => {
  test.use({ serverEnv: { SLICEDECK_PAIRING_CODE_TTL_MS: '6000', SLICEDECK_QR_CODES: '5' } });

  test('shows the code large with its countdown, re-issues it, and typing it links the account', async ({ page, accounts, server }) => {
    const name = accountName('Pia');
    const accountId = await accounts.add(name);
    const connect = await accounts.openConnect(name);
    await connect.connectButton.click();
    await expect(page.getByTestId('qr-code')).toBeVisible({ timeout: 60_000 });

    await page.getByRole('button', { name: 'Link with phone number' }).click();
    const phone = page.getByLabel('Phone number', { exact: true });
    await phone.fill('12 34');
    await page.getByRole('button', { name: 'Get code' }).click();
    await expect(page.getByTestId('phone-error')).toContainText('7–15 digits');

    await phone.fill('+1 555 123 4567');
    await page.getByRole('button', { name: 'Get code' }).click();
    const code = page.getByTestId('pairing-code');
    await expect(code).toHaveText(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    await expect(page.getByTestId('qr-code')).toHaveCount(0);
    await expect(page.getByTestId('pairing-code-countdown')).toContainText(/A new code comes in \d+ s/);
    await page.screenshot({ path: 'test-results/pairing-code.png', fullPage: true });

    const first = await code.textContent();
    await expect(code).not.toHaveText(first!, { timeout: 30_000 });

    const typed = await rpc(server, 'sim.scan', { accountId });
    expect(typed.ok, JSON.stringify(typed.error)).toBe(true);
    await expect(page).toHaveURL(/chat/, { timeout: 30_000 });
  });
});
