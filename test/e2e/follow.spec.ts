/**
 * After Ready the panel follows the phone (PRODUCT §1 step 6), played from the panel's
 * own simulation controls: a dropped link is a note on the Chat page that goes away by
 * itself; a phone logout takes the account out of Ready with words, on the Chat page
 * and on Connect, and in History.
 */
import { accountName, containersOfAccount, expect, test } from './fixtures';
import { ConnectPage, HistorySection, snapshot } from './pages';

test('a dropped link shows as a note and clears; a phone logout takes the account out of Ready with words', async ({ page, accounts, server }) => {
  const name = accountName('Sol');
  const accountId = await accounts.linkNew(name);
  await expect(page.getByTestId('chat-phase')).toHaveText('Connected');

  // The link drops and WhatsApp brings it back by itself: a note, never an error, then gone.
  const note = page.getByTestId('slice-note');
  await page.getByRole('button', { name: 'Simulate dropped link' }).click();
  await expect(note).toContainText('lost the link to the phone');
  await expect(note).toContainText('reconnecting by itself');
  await snapshot(page, 'chat-reconnecting');
  await expect(page.getByTestId('chat-phase')).toHaveText('Connected');
  await expect(note).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByTestId('notice')).toHaveCount(0);
  await expect(page.getByRole('complementary', { name: 'Chats' }).getByRole('list').getByRole('button').first()).toBeVisible();

  // The phone logs this device out: out of Ready, with words saying what to do.
  await page.getByRole('button', { name: 'Simulate phone logout' }).click();
  await expect(page.getByRole('heading', { name: 'This account is not connected' })).toBeVisible();
  await expect(note).toHaveText('WhatsApp logged this account out (it was logged out or unlinked on the phone). Click Connect WhatsApp to link it again with a new code.');
  await expect(page.getByTestId('chat-phase')).toHaveText('Not connected');
  // The fault itself was played without a hitch: no error notice about the slice going away.
  await expect(page.getByTestId('notice')).toHaveCount(0);
  await snapshot(page, 'chat-logged-out');
  await expect.poll(async () => (await containersOfAccount(server, accountId)).length, { timeout: 45_000 }).toBe(0);

  const history = new HistorySection(page);
  await history.toggle.click();
  await expect(history.labels(name)).toContainText(['Slice closed', 'Logged out on the phone']);

  // The Connect page says the same, above the way back.
  await page.getByRole('link', { name: 'Go to Connect' }).click();
  const connect = new ConnectPage(page);
  await expect(connect.heading(name)).toBeVisible();
  await expect(connect.card).toHaveAttribute('data-phase', 'setup');
  await expect(connect.card.getByTestId('slice-note')).toContainText('WhatsApp logged this account out');
  await expect(connect.connectButton).toBeVisible();
  await snapshot(page, 'connect-after-phone-logout');
});
