/**
 * An account's proxy in the panel (issue 21): bad input refused with the contract's words
 * (nothing typed lost), a proxy set and shown without its password — on the page, over the
 * wire and after a reload — changed, and removed.
 */
import { accountName, expect, test } from './fixtures';
import { snapshot } from './pages';

const PASSWORD = 'S3cret-proxy-pw';

test('a proxy is set on an account, shown without its password, refused with words when bad, and removed', async ({ page, accounts, server }) => {
  const name = accountName('Proxied');
  const accountId = await accounts.add(name);
  const form = page.getByRole('form', { name: `Proxy of ${name}` });
  const summary = page.getByTestId(`account-proxy-${accountId}`);
  await expect(summary).toHaveCount(0);

  await page.getByRole('button', { name: `Proxy of ${name}` }).click();
  await expect(form).toBeVisible();
  await form.getByLabel('Host').fill('http://10.0.0.5');
  await form.getByLabel('Port').fill('3128');
  await form.getByRole('button', { name: 'Save proxy' }).click();
  await expect(form.getByRole('alert')).toContainText('Give the proxy host without a scheme');
  // What was typed stays to be corrected.
  await expect(form.getByLabel('Host')).toHaveValue('http://10.0.0.5');

  await form.getByLabel('Host').fill('10.0.0.5');
  await form.getByLabel('Port').fill('abc');
  await form.getByRole('button', { name: 'Save proxy' }).click();
  await expect(form.getByRole('alert')).toContainText('The proxy port must be a number');

  await form.getByLabel('Port').fill('3128');
  await form.getByLabel('Scheme').selectOption('socks5');
  await form.getByLabel('Username').fill('agency');
  await form.getByLabel('Password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Save proxy' }).click();
  await expect(form.getByRole('alert')).toContainText('Chromium cannot log in to a SOCKS5 proxy');
  await expect(summary).toHaveCount(0);
  await snapshot(page, 'account-proxy-form');

  await form.getByLabel('Scheme').selectOption('http');
  await form.getByRole('button', { name: 'Save proxy' }).click();
  await expect(form).toHaveCount(0);
  await expect(summary).toHaveText('Proxy: http://10.0.0.5:3128 · login agency, password set');
  expect(await page.content()).not.toContain(PASSWORD);
  await snapshot(page, 'account-proxy-shown');

  // Over the wire: the account carries the proxy's view, never the password.
  const listed = await fetch(`${server.origin}/api/rpc/accounts.list`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
    body: '{}',
  }).then((res) => res.text());
  expect(listed).toContain('"host":"10.0.0.5"');
  expect(listed).toContain('"hasPassword":true');
  expect(listed).not.toContain(PASSWORD);

  // Stored: a reload shows it again.
  await page.reload();
  await expect(summary).toHaveText('Proxy: http://10.0.0.5:3128 · login agency, password set');

  // Changed (without a login), then removed.
  await page.getByRole('button', { name: `Proxy of ${name}` }).click();
  await form.getByLabel('Host').fill('proxy.example.com');
  await form.getByLabel('Port').fill('8080');
  await form.getByLabel('Username').fill('');
  await form.getByRole('button', { name: 'Save proxy' }).click();
  await expect(summary).toHaveText('Proxy: http://proxy.example.com:8080');
  await page.getByRole('button', { name: `Proxy of ${name}` }).click();
  await form.getByRole('button', { name: 'Remove proxy' }).click();
  await expect(summary).toHaveCount(0);
  await accounts.remove(name);
});
