/**
 * API & webhooks in the web mode: a token made in the panel (shown once) lists chats
 * through the API and sends; a webhook to a loopback receiver gets the contact's reply,
 * signed; the delivery log shows it; the revoked token is refused with words.
 */
import { WEBHOOK_HEADERS } from '@shared/gateway';
import { webhookSignatureValid } from '../../src/main/core/webhooks/signature';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';
import { accountName, expect, test } from './fixtures';

let receiver: WebhookReceiver;
test.beforeEach(async () => {
  receiver = await startWebhookReceiver();
});
test.afterEach(async () => {
  await receiver.close();
});

test('a token lists chats and sends through the API; a webhook gets the reply signed; revoked, the token is refused', async ({ page, accounts, server }) => {
  const name = accountName('Gina');
  const accountId = await accounts.linkNew(name);

  // The token: made in the panel, shown once.
  await page.getByRole('link', { name: 'API & webhooks' }).click();
  const tokenForm = page.getByRole('form', { name: 'Make an API token' });
  // Failures are said in words: a token for no account, a webhook address that is not one.
  await tokenForm.getByLabel('Name').fill('no accounts');
  await tokenForm.getByRole('button', { name: 'Make token' }).click();
  await expect(page.getByTestId('gateway-error')).toHaveText(/Choose at least one account the token may use/);
  const badHook = page.getByRole('form', { name: 'Add a webhook' });
  await badHook.getByLabel('Address').fill('ftp://127.0.0.1/hooks');
  await badHook.getByRole('button', { name: 'Add webhook' }).click();
  await expect(page.getByTestId('gateway-error')).toHaveText(/must start with http:\/\/ or https:\/\//);
  await tokenForm.getByLabel('Name').fill('e2e program');
  await tokenForm.getByLabel('Scope').selectOption('send');
  await tokenForm.getByRole('checkbox', { name }).check();
  await tokenForm.getByRole('button', { name: 'Make token' }).click();
  const token = (await page.getByTestId('shown-once-value').textContent())!;
  expect(token).toMatch(/^sdt_tok_/);
  await page.getByRole('button', { name: 'I have copied it' }).click();
  await expect(page.getByTestId('shown-once')).toHaveCount(0);
  await expect(page.getByText(token)).toHaveCount(0);

  const api = (command: string, input: unknown) =>
    fetch(`${server.origin}/api/v1/${command}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(input),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { ok: boolean; result?: unknown; error?: { message: string } } }));

  // Chats through the API (the account is Ready once its chats are listed).
  let chats: { id: string; isGroup: boolean }[] = [];
  await expect
    .poll(
      async () => {
        const listed = await api('chats.list', { accountId });
        chats = listed.body.ok ? (listed.body.result as typeof chats) : [];
        return chats.length;
      },
      { timeout: 60_000 },
    )
    .toBeGreaterThan(0);

  // The webhook: a loopback receiver, every event; its secret shown once.
  const hookForm = page.getByRole('form', { name: 'Add a webhook' });
  await hookForm.getByLabel('Address').fill(receiver.url);
  await hookForm.getByRole('button', { name: 'Add webhook' }).click();
  const secret = (await page.getByTestId('shown-once-value').textContent())!;
  expect(secret).toMatch(/^whsec_/);

  // Sent through the API; the contact answers (the simulated phone), and the reply reaches the receiver signed.
  const person = chats.find((c) => !c.isGroup)!;
  const text = `Hello through the API ${Date.now()}`;
  const sent = await api('messages.send', { accountId, chatId: person.id, text });
  expect(sent.body.ok, JSON.stringify(sent.body)).toBe(true);
  type Incoming = { type: string; accountId: string; data: { message: { body: string; chatId: string; fromMe: boolean } } };
  const isReply = (body: string) => {
    const event = JSON.parse(body) as Incoming;
    return event.type === 'message.incoming' && event.data.message.body === `Got it, thanks! (re: “${text}”)`;
  };
  await expect.poll(() => receiver.received.filter((r) => r.accepted && isReply(r.body)).length, { timeout: 30_000 }).toBe(1);
  const hook = receiver.received.find((r) => isReply(r.body))!;
  const reply = JSON.parse(hook.body) as Incoming;
  expect(reply.accountId).toBe(accountId);
  expect(reply.data.message.fromMe).toBe(false);
  expect(reply.data.message.chatId).toBe(person.id);
  // Our own message is not an incoming one.
  expect(receiver.received.filter((r) => (JSON.parse(r.body) as Incoming).type === 'message.incoming' && (JSON.parse(r.body) as Incoming).data.message.fromMe)).toHaveLength(0);
  expect(webhookSignatureValid(secret, hook.headers[WEBHOOK_HEADERS.timestamp.toLowerCase()] as string, hook.body, hook.headers[WEBHOOK_HEADERS.signature.toLowerCase()] as string)).toBe(true);

  // The delivery log shows it.
  const log = page.getByRole('article', { name: `Webhook to ${receiver.url}` }).getByRole('table', { name: 'Delivery log' });
  await expect(log.getByTestId('delivery-row').filter({ hasText: 'message.incoming' }).filter({ hasText: 'delivered' }).first()).toBeVisible({ timeout: 15_000 });

  // Revoked: refused, with words.
  await page.getByRole('button', { name: 'Revoke token e2e program' }).click();
  await expect(page.getByTestId('api-token-e2e program')).toHaveCount(0);
  const refused = await api('chats.list', { accountId });
  expect(refused.status).toBe(401);
  expect(refused.body.error?.message).toMatch(/revoked/);
});
