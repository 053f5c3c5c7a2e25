/** Accounts: add, validation words, live phase, removal after a confirmation. */
import { accountName, expect, test } from './fixtures';

test('accounts are added, validated and removed after a confirmation', async ({ page, accounts }) => {
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

  await accounts.remove(name);
});
