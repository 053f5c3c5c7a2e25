/**
 * The chat page of a big (simulated) account: 20,000 chats with 400-character last
 * messages and 50,000 contacts. The list holds only the rows in view (the DOM stays small),
 * scrolling reads the next page, the search box asks the slice and finds chat #19,990
 * (far past anything read), and a long thread reads older messages as it scrolls up.
 */
import { simulatedChatName } from '../../src/slice/drivers/simulated';
import { accountName, expect, test } from './fixtures';

test.use({
  serverEnv: {
    SLICEDECK_SIM_CHATS: '20000',
    SLICEDECK_SIM_CONTACTS: '50000',
    SLICEDECK_SIM_LAST_MESSAGE_CHARS: '400',
    SLICEDECK_SIM_HISTORY_MESSAGES: '150',
    SLICEDECK_SIM_CONTACT_INTERVAL_MS: '10',
  },
});

/** Rows a windowed list of this height may draw: the view plus the overscan on both sides, never the 20,000. */
const MAX_DRAWN_ROWS = 40;

test('a 20,000-chat account: a windowed list read page by page, a search over every chat, older messages on scroll up', async ({ page, accounts }) => {
  const name = accountName('Shop');
  const accountId = await accounts.linkNew(name);

  const list = page.getByRole('complementary', { name: 'Chats' });
  const rows = page.getByTestId('chat-rows');
  const drawn = rows.getByRole('listitem');
  await expect(drawn.first()).toContainText(simulatedChatName(0));
  await expect(rows.locator('ul')).toHaveAttribute('data-rows', '50');
  expect(await drawn.count()).toBeLessThanOrEqual(MAX_DRAWN_ROWS);

  // Scrolling to the end of what is read asks for the next page, and the DOM stays small.
  for (const expected of ['100', '150']) {
    await rows.evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
    await expect(rows.locator('ul')).toHaveAttribute('data-rows', expected);
  }
  expect(await drawn.count()).toBeLessThanOrEqual(MAX_DRAWN_ROWS);
  // Rows far above the view are gone from the DOM; those where the scroll stopped are there.
  const row = (index: number) => drawn.filter({ hasText: new RegExp(`${simulatedChatName(index)}(?!\\d)`) });
  await expect(row(99)).toHaveCount(1);
  await expect(row(0)).toHaveCount(0);

  // The search runs in the slice over all 20,000 chats: #19,990 was never read into the list.
  const target = simulatedChatName(19_989);
  await list.getByRole('searchbox', { name: 'Search chats' }).fill(target);
  await expect(drawn).toHaveCount(1);
  await expect(drawn.first()).toContainText(target);
  await drawn.first().getByRole('button').click();
  await expect(page.getByRole('region', { name: `Conversation with ${target}` })).toBeVisible();

  // Back to the list; the newest chat has a long history, read back in time as it scrolls up.
  await list.getByRole('searchbox', { name: 'Search chats' }).fill('');
  await expect(drawn.first()).toContainText(simulatedChatName(0));
  await drawn.first().getByRole('button').click();
  const thread = page.getByRole('region', { name: `Conversation with ${simulatedChatName(0)}` });
  const messages = thread.getByTestId('thread-messages').locator('li.message');
  await expect(messages).toHaveCount(50);
  for (const expected of [100, 150]) {
    await thread.getByTestId('thread-messages').evaluate((element) => element.scrollTo({ top: 0 }));
    await expect(messages).toHaveCount(expected);
  }
  await thread.getByTestId('thread-messages').evaluate((element) => element.scrollTo({ top: 0 }));
  await expect(thread.getByTestId('thread-start')).toBeVisible();
  await expect(messages).toHaveCount(150);
  await expect(messages.first()).toContainText('(1/150)');

  // The Dashboard and the accounts list read the host's view and Docker's stats, never the
  // chats: the big account is one ready row, never restarted.
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Dashboard' }).click();
  const slice = page.getByTestId(`slice-row-${accountId}`);
  await expect(slice.locator('[data-phase]')).toHaveAttribute('data-phase', 'ready');
  await expect(slice.getByTestId('slice-memory')).toHaveText(/\d+(\.\d)? (KB|MB|GB)/);
  await expect(slice.locator('td').nth(-2)).toHaveText('0');
  await nav.getByRole('link', { name: 'Accounts' }).click();
  await expect(page.getByTestId(`account-phase-${accountId}`)).toHaveText('Connected');
});
