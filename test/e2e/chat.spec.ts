/** The chat page over a linked (simulated) account: chats, search, a thread, and a send that comes back sent. */
import { accountName, containersOfAccount, expect, test } from './fixtures';
import { snapshot } from './pages';

test('a linked account lists its chats, filters them, and sends a message that shows as sent', async ({ page, accounts, server }) => {
  const name = accountName('Frank');
  const accountId = await accounts.add(name);
  await snapshot(page, 'accounts');
  const connect = await accounts.openConnect(name);
  await snapshot(page, 'connect-setup');
  await connect.connectButton.click();
  await expect(connect.codeOf(1)).toBeVisible();
  await snapshot(page, 'connect-qr');
  await connect.simulateScanButton.click();
  await expect(page.getByText('Linked!', { exact: true })).toBeVisible();
  await snapshot(page, 'connect-linking');

  await expect(page).toHaveURL(new RegExp(`#/chat/${accountId}$`));
  const chatList = page.getByRole('complementary', { name: 'Chats' });
  const chatButtons = chatList.getByRole('list').getByRole('button');
  await expect(chatButtons.first()).toBeVisible();
  const total = await chatButtons.count();
  expect(total).toBeGreaterThan(1);

  // A one-to-one chat (groups never reply), whichever place the random account gives it.
  const person = chatButtons.filter({ hasNot: page.getByTestId('chat-kind-group') }).first();
  const firstName = (await person.locator('.chat-name').textContent())!;
  // Search narrows the list to the chats whose name matches.
  await chatList.getByRole('searchbox', { name: 'Search chats' }).fill(firstName);
  await expect(chatButtons.first()).toContainText(firstName);
  expect(await chatButtons.count()).toBeLessThan(total);

  await chatButtons.first().click();
  const thread = page.getByRole('region', { name: `Conversation with ${firstName}` });
  await expect(thread.getByRole('heading', { name: firstName })).toBeVisible();

  const text = `Hello from the e2e test ${Date.now()}`;
  await thread.getByRole('textbox', { name: 'Message' }).fill(text);
  await thread.getByRole('button', { name: 'Send' }).click();
  // Exact text: the contact's reply quotes ours, and must not be mistaken for it.
  const row = thread.getByRole('listitem').filter({ has: page.getByText(text, { exact: true }) });
  await expect(row).toHaveCount(1);
  // Sent, then WhatsApp's acks move it on (delivered, read: SLICEDECK_SIM_ACK_DELAY_MS).
  await expect(row.getByTestId('message-status')).toHaveText(/^(sent|delivered|read)$/);
  await expect(row.getByTestId('message-status')).toHaveText('read', { timeout: 30_000 });
  await expect(thread.getByRole('textbox', { name: 'Message' })).toHaveValue('');

  // The contact answers (the simulated phone replies after SLICEDECK_SIM_REPLY_DELAY_MS):
  // the incoming message appears live in the open thread, without a reload.
  const reply = thread.getByRole('listitem').filter({ hasText: `Got it, thanks! (re: “${text}”)` });
  await expect(reply).toHaveCount(1, { timeout: 30_000 });
  await expect(reply.getByTestId('message-status')).toHaveCount(0);
  await snapshot(page, 'chat');

  // The account row shows the live phase.
  await page.getByRole('link', { name: '← Accounts' }).click();
  await expect(page.getByTestId(`account-phase-${accountId}`)).toHaveText('Connected');
  expect(await containersOfAccount(server, accountId)).toHaveLength(1);

  // Disconnect destroys the slice: the row says so and Docker holds nothing for the account.
  await page.getByRole('link', { name: `Open chats of ${name}` }).click();
  await page.getByRole('button', { name: `Disconnect ${name}` }).click();
  await expect(page.getByRole('heading', { name: 'This account is not connected' })).toBeVisible();
  await expect.poll(async () => (await containersOfAccount(server, accountId)).length, { timeout: 10_000 }).toBe(0);
});

test.describe('while contacts are still loading', () => {
  // A slow contact load keeps the account in the linking phase long enough to write.
  test.use({ serverEnv: { SLICEDECK_SIM_CONTACTS: '60', SLICEDECK_SIM_CONTACT_INTERVAL_MS: '250' } });

  test('a message sent while linking is queued, then shows as sent once the account is ready', async ({ page, accounts }) => {
    const name = accountName('Hugo');
    await accounts.add(name);
    const connect = await accounts.openConnect(name);
    await connect.connectAndScan();
    await expect(page.getByText('Linked!', { exact: true })).toBeVisible();
    await page.getByRole('link', { name: 'Write a message now' }).click();
    await expect(page.getByTestId('chat-linking')).toBeVisible();

    await page.getByRole('textbox', { name: 'Phone number' }).fill('+1 555 000 4242');
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    // Named by the number until WhatsApp is ready and the chat list names it.
    const thread = page.getByRole('region', { name: /^Conversation with 15550004242/ });
    const text = `Queued while linking ${Date.now()}`;
    await thread.getByRole('textbox', { name: 'Message' }).fill(text);
    await thread.getByRole('button', { name: 'Send' }).click();
    const row = thread.getByRole('listitem').filter({ hasText: text });
    await expect(row.getByTestId('message-status')).toHaveText('queued');
    // A second one, cancelled while it waits: it never goes out.
    const second = `Cancelled while linking ${Date.now()}`;
    await thread.getByRole('textbox', { name: 'Message' }).fill(second);
    await thread.getByRole('button', { name: 'Send' }).click();
    const cancelled = thread.getByRole('listitem').filter({ hasText: second });
    await expect(cancelled.getByTestId('message-status')).toHaveText('queued');
    await cancelled.getByRole('button', { name: /^Cancel the queued message/ }).click();
    await expect(cancelled.getByTestId('message-status')).toHaveText('cancelled');
    await snapshot(page, 'chat-queued-while-linking');

    // Ready: the slice flushes its queue and the same row turns sent (no duplicate from the echo).
    await expect(page.getByTestId('chat-linking')).toHaveCount(0, { timeout: 60_000 });
    await expect(row.getByTestId('message-status')).toHaveText(/^(sent|delivered|read)$/);
    await expect(row).toHaveCount(1);
    await expect(cancelled.getByTestId('message-status')).toHaveText('cancelled');
    await expect(cancelled).toHaveCount(1);
  });
});
