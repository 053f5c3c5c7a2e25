/**
 * Issue 21 part 4 in the browser (web mode): the operator opens an account's slice log,
 * sees the container's lines, searches them, and sees a new line arrive while following.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { accountName, expect, test } from './fixtures';
import { rpc } from './panel-server';
import { snapshot } from './pages';

/** The collapsible Slice log of an account (Connect and Chat pages). */
class SliceLogSection {
  constructor(private readonly page: Page) {}
  get panel(): Locator {
    return this.page.getByTestId('slice-log');
  }
  lines(name: string): Locator {
    return this.page.getByRole('list', { name: `Slice log of ${name}`, exact: true }).getByTestId('slice-log-line');
  }
  get search(): Locator {
    return this.page.getByRole('searchbox', { name: 'Search the slice log' });
  }
  async open(): Promise<void> {
    if ((await this.panel.getAttribute('open')) === null) await this.panel.locator('summary', { hasText: 'Slice log' }).click();
    await expect(this.panel).toHaveAttribute('open', '');
  }
}

test('the operator opens an account’s slice log, sees its lines, searches them and follows a new one', async ({ page, accounts, server }) => {
  const name = accountName('Logan');
  const accountId = await accounts.add(name);
  const connect = await accounts.openConnect(name);
  const log = new SliceLogSection(page);

  await log.open();
  await expect(log.panel).toContainText('This account has no slice running');

  await connect.connectButton.click();
  await connect.simulateScanButton.click({ timeout: 60_000 });
  await expect(page.getByRole('heading', { name: `Chats of ${name}` })).toBeVisible({ timeout: 60_000 });

  // The Chat page has the log too: its lines are the container's own (the slice's JSON lines).
  await log.open();
  await expect(log.lines(name).filter({ hasText: '"event":"listening"' })).toHaveCount(1);
  await expect(log.lines(name).filter({ hasText: '"transition":"client_ready"' }).first()).toBeVisible();

  await log.search.fill('"transition"');
  await expect(log.lines(name).filter({ hasText: '"event":"listening"' })).toHaveCount(0);
  const transitions = await log.lines(name).count();
  expect(transitions).toBeGreaterThan(0);
  for (const text of await log.lines(name).allTextContents()) expect(text).toContain('"transition"');
  await expect(page.getByTestId('slice-log-omitted')).toContainText('hidden by the search');
  await snapshot(page, 'slice-log-searched');

  // Following: the link drops and comes back; its transitions appear without touching the page.
  const fault = await rpc(server, 'sim.fault', { accountId, kind: 'drop_link' });
  expect(fault.ok).toBe(true);
  await expect(async () => expect(await log.lines(name).count()).toBeGreaterThan(transitions)).toPass({ timeout: 30_000 });

  await log.search.fill('no line says this 7c1f');
  await expect(log.panel).toContainText('No line of the log contains that.');
  await expect(log.lines(name)).toHaveCount(0);
});

test('a scraper reads /metrics with the token serve wrote to <data dir>/metrics-token (stdout not a terminal)', async ({ accounts, server }) => {
  const name = accountName('Metra');
  await accounts.add(name);
  const file = join(server.dataDir, 'metrics-token');
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(server.output()).toContain(`its bearer token is in ${file}`);
  const token = readFileSync(file, 'utf8');
  expect(server.output()).not.toContain(token);
  const response = await fetch(`${server.origin}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  const text = await response.text();
  expect(text).toMatch(/^# TYPE slicedeck_slices gauge$/m);
  expect(text).toMatch(/^slicedeck_slices\{phase="setup"\} [1-9]\d*$/m);
  expect(text).not.toContain(name);
  // The panel's token does not open it.
  expect((await fetch(`${server.origin}/metrics`, { headers: { Authorization: `Bearer ${server.token}` } })).status).toBe(401);
});
