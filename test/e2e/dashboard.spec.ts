/** The dashboard: a running slice appears with Docker's memory reading, and Destroy removes it. */
import { accountName, containersOfAccount, expect, test } from './fixtures';
import { snapshot } from './pages';

test('a running slice shows its port and memory, and Destroy removes its container', async ({ page, accounts, server }) => {
  const nav = page.getByRole('navigation', { name: 'Main' });
  const name = accountName('Gina');
  const accountId = await accounts.add(name);
  const connect = await accounts.openConnect(name);
  await connect.connectButton.click();
  await expect(connect.codeOf(1)).toBeVisible();

  await nav.getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
  const row = page.getByTestId(`slice-row-${accountId}`);
  await expect(row).toBeVisible();
  await expect(row).toContainText('QR 1/3');
  const [container] = await containersOfAccount(server, accountId);
  const published = container!.Ports.find((p) => p.PublicPort)!.PublicPort;
  await expect(row).toContainText(String(published));
  // One engine: every slice is here, so no Node column.
  await expect(page.getByRole('columnheader', { name: 'Node' })).toHaveCount(0);
  // Docker's reading arrives by itself (the host samples while the page asks).
  await expect(row.getByTestId('slice-memory')).toHaveText(/\d+(\.\d)? (KB|MB|GB)/);
  await expect(page.getByTestId('total-slices')).not.toContainText(/^0/);
  await snapshot(page, 'dashboard');

  await row.getByRole('button', { name: `Destroy the slice of ${name}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Destroy slice' }).click();
  await expect(row).toHaveCount(0);
  await expect.poll(async () => (await containersOfAccount(server, accountId)).length, { timeout: 10_000 }).toBe(0);
});
