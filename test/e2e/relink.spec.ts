/**
 * What survives, as the operator sees it (issue 9, parts 1 and 5), in Chromium
 * against the real web mode: the account's name opens it; the linking bar is
 * WhatsApp's own percent (never a full bar that means nothing); after Disconnect,
 * Connect says "Restoring the saved session…" and the chats open with no code;
 * a missing slice image on the Connect page offers the Build image button.
 */
import { test, expect, accountName } from './fixtures';

test.describe('a linked account stays linked', () => {
  // A phone that takes 2.5 s to restore, so the restoring words can be seen.
  test.use({ serverEnv: { SLICEDECK_SIM_LINK_DELAY_MS: '2500', SLICEDECK_SIM_CONTACTS: '40', SLICEDECK_SIM_CONTACT_INTERVAL_MS: '150' } });

  test('name opens the account; real linking progress; Disconnect then Connect restores without a code', async ({ page, accounts }) => {
    const name = accountName('Rey');
    await accounts.add(name);
    await page.getByRole('link', { name, exact: true }).click();
    await expect(page.getByRole('heading', { name: `Connect ${name}`, level: 1 })).toBeVisible();

    await page.getByRole('button', { name: 'Connect WhatsApp' }).click();
    await page.getByRole('button', { name: 'Simulate scan' }).click({ timeout: 60_000 });
    const bar = page.getByTestId('linking-progress');
    await expect(bar).toBeVisible({ timeout: 30_000 });
    // WhatsApp's percent, below 100 while it loads: the bar means something.
    const value = Number(await bar.getAttribute('aria-valuenow'));
    expect(value).toBeGreaterThanOrEqual(0);
    expect(value).toBeLessThan(100);
    await expect(page).toHaveURL(/chat/, { timeout: 30_000 });

    await page.getByRole('button', { name: `Disconnect ${name}` }).click();
    await page.getByRole('link', { name: 'Go to Connect' }).click();
    await page.getByRole('button', { name: 'Connect WhatsApp' }).click();
    await expect(page.getByText('Restoring the saved session…')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('qr-code')).toHaveCount(0);
    await page.screenshot({ path: 'test-results/restoring.png', fullPage: true });
    await expect(page).toHaveURL(/chat/, { timeout: 30_000 });
  });
});

test.describe('a missing slice image', () => {
  test.use({ serverEnv: { SLICEDECK_IMAGE: 'slicedeck-slice:i9-missing-on-purpose', SLICEDECK_IMAGE_VARIANT: '' } });

  test('the Connect page offers Build image, not only a command', async ({ page, accounts }) => {
    const name = accountName('Ima');
    await accounts.add(name);
    const connect = await accounts.openConnect(name);
    await connect.connectButton.click();
    await expect(page.getByTestId('slice-error').or(page.getByTestId('connect-error'))).toContainText('is not in Docker', { timeout: 30_000 });
    await expect(page.getByTestId('connect-build-image')).toBeVisible();
    await expect(page.getByTestId('connect-build-image')).toHaveText('Build image');
  });
});
