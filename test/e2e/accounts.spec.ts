/** Accounts: add, validation words, live phase, removal after a confirmation. */
import { accountName, containersOfAccount, expect, test } from './fixtures';
import { snapshot } from './pages';

test('accounts are added, validated, renamed and removed after a confirmation', async ({ page, accounts }) => {
  // A blank name is refused with the contract's words, not a crash.
  await page.getByRole('button', { name: 'Add account' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Give the account a name.' })).toBeVisible();

  const name = accountName('Dora');
  const accountId = await accounts.add(name);
  await expect(page.getByTestId(`account-phase-${accountId}`)).toHaveText('Not connected');

  // Cancelling keeps the account.
  await page.getByRole('button', { name: `Remove ${name}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  await expect(accounts.row(name)).toBeVisible();

  // Rename in place; the new name is what the row (and its controls) are called from now on.
  const renamed = `${name} (sales)`;
  await page.getByRole('button', { name: `Rename ${name}` }).click();
  await page.getByRole('textbox', { name: 'New name' }).fill(renamed);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(accounts.row(renamed)).toBeVisible();
  await expect(page.getByTestId(`account-phase-${accountId}`)).toHaveText('Not connected');

  await accounts.remove(renamed);
});

test('the panel follows the system colour scheme', async ({ page, accounts }) => {
  await accounts.add(accountName('Ivy'));
  // Read in the page (the test program is typed for Node, so the DOM global is reached through globalThis).
  const background = () =>
    page.evaluate(() => {
      const g = globalThis as unknown as { getComputedStyle(el: unknown): { backgroundColor: string }; document: { documentElement: unknown } };
      return g.getComputedStyle(g.document.documentElement).backgroundColor;
    });
  const luminance = (rgb: string) => {
    const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  await page.emulateMedia({ colorScheme: 'light' });
  expect(luminance(await background())).toBeGreaterThan(200);
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(luminance(await background())).toBeLessThan(60);
  await snapshot(page, 'accounts-dark');
});

test('removing an account that has a slice removes the slice too', async ({ page, accounts, server }) => {
  const name = accountName('Jack');
  const accountId = await accounts.add(name);
  const connect = await accounts.openConnect(name);
  await connect.connectButton.click();
  await expect(connect.codeOf(1)).toBeVisible();
  expect(await containersOfAccount(server, accountId)).toHaveLength(1);

  await page.getByRole('link', { name: '← Accounts' }).click();
  await expect(page.getByTestId(`account-phase-${accountId}`)).toHaveText(/code \d of 3/);
  await accounts.remove(name);
  await expect.poll(async () => (await containersOfAccount(server, accountId)).length, { timeout: 45_000 }).toBe(0);
});
