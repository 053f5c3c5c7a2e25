/**
 * Unread counts and notifications in the web mode (issue 21 part 2): an incoming message
 * (the simulated contact's answer) raises the account's count in the list and shows one
 * browser notification while the account's chats are not open; clicking it opens that chat,
 * which clears the count; with the chat open, an answer notifies nobody.
 */
import { accountName, expect, test } from './fixtures';

/** Records every `new Notification` the panel makes (Chromium headless shows none) and answers "granted". */
function recordNotifications() {
  const shown: { title: string; body: string; tag: string; instance: { onclick: (() => void) | null; close(): void } }[] = [];
  class Recorded {
    static permission = 'granted';
    static requestPermission = async () => 'granted';
    onclick: (() => void) | null = null;
    constructor(title: string, options: { body?: string; tag?: string } = {}) {
      shown.push({ title, body: options.body ?? '', tag: options.tag ?? '', instance: this });
    }
    close() {}
  }
  Object.defineProperty(globalThis, 'Notification', { value: Recorded, configurable: true });
  Object.defineProperty(globalThis, 'recordedNotifications', { value: shown });
}

type Recorded = { title: string; body: string; tag: string };
const REPLY = /^Got it, thanks! \(re: “/;

// The contact answers late enough to leave the chat page first (its arrival is checked, never its timing).
test.use({ serverEnv: { SLICEDECK_SIM_REPLY_DELAY_MS: '10000', SLICEDECK_SIM_ACK_DELAY_MS: '0' } });

test('an incoming message counts as unread and notifies while its chats are closed; the click opens the chat and clears the count', async ({ page, context, accounts }) => {
  await context.grantPermissions(['notifications']);
  await page.addInitScript(recordNotifications);
  await page.reload();
  const notifications = () => page.evaluate(() => (globalThis as unknown as { recordedNotifications: Recorded[] }).recordedNotifications.map(({ title, body, tag }) => ({ title, body, tag })));

  const name = accountName('Ursula');
  const accountId = await accounts.add(name);
  // Notify for every account, remembered by the host.
  await page.getByText(/^Notifications of incoming messages/).click();
  await page.getByRole('radio', { name: 'For every account' }).click(); // checked once the host kept it
  await expect(page.getByRole('radio', { name: 'For every account' })).toBeChecked();

  const connect = await accounts.openConnect(name);
  await connect.connectAndScan();
  await expect(page).toHaveURL(new RegExp(`#/chat/${accountId}$`), { timeout: 60_000 });

  const chatList = page.getByRole('complementary', { name: 'Chats' });
  const person = chatList.getByRole('list').getByRole('button').filter({ hasNot: page.getByTestId('chat-kind-group') }).first();
  await expect(person).toBeVisible({ timeout: 60_000 });
  const personName = (await person.locator('.chat-name').textContent())!;
  await person.click();
  const thread = page.getByRole('region', { name: `Conversation with ${personName}` });
  const asked = `Are you there ${Date.now()}?`;
  await thread.getByRole('textbox', { name: 'Message' }).fill(asked);
  await thread.getByRole('button', { name: 'Send' }).click();
  const askedRow = thread.getByRole('listitem').filter({ has: page.getByText(asked, { exact: true }) });
  await expect(askedRow.getByTestId('message-status')).toHaveText(/^(sent|delivered|read)$/);

  // Leave the chats before the contact answers: the list shows WhatsApp's count for the account.
  await page.getByRole('link', { name: '← Accounts' }).click();
  const unread = page.getByTestId(`account-unread-${accountId}`);
  const countNow = async () => ((await unread.count()) ? Number(await unread.textContent()) : 0);
  const before = await countNow();
  expect(await notifications(), 'the answer came before the count was read; this test needs the reply delay to hold').toEqual([]);

  // The answer comes in: one more unread, and one notification naming the chat and the account.
  await expect(unread).toHaveText(String(before + 1), { timeout: 60_000 });
  await expect.poll(notifications, { timeout: 10_000 }).toHaveLength(1);
  const [shown] = await notifications();
  expect(shown!.title).toBe(`${personName} — ${name}`);
  expect(shown!.body).toMatch(REPLY);

  // Clicking it opens that chat, which reads it: the account's count drops by the one answer.
  await page.evaluate(() => (globalThis as unknown as { recordedNotifications: { instance: { onclick: () => void } }[] }).recordedNotifications[0]!.instance.onclick());
  await expect(page).toHaveURL(new RegExp(`#/chat/${accountId}/`));
  await expect(thread.getByRole('heading', { name: personName })).toBeVisible();
  await expect(thread.getByRole('listitem').filter({ hasText: REPLY })).toHaveCount(1);

  // With the chat open, the next answer shows in the thread and notifies nobody.
  await thread.getByRole('textbox', { name: 'Message' }).fill(`Still there ${Date.now()}?`);
  await thread.getByRole('button', { name: 'Send' }).click();
  await expect(thread.getByRole('listitem').filter({ hasText: REPLY })).toHaveCount(2, { timeout: 60_000 });
  await page.getByRole('link', { name: '← Accounts' }).click();
  await expect.poll(countNow, { timeout: 10_000 }).toBe(before);
  expect(await notifications()).toHaveLength(1);
  await expect(page.getByTestId(`account-phase-${accountId}`)).toHaveText('Connected');
});
