/** The audit trail per account (slice_events), as the History section shows it. */
import { accountName, expect, test } from './fixtures';
import { HistorySection, snapshot } from './pages';

/** The provisioning stages as History names them, oldest first. */
const PROVISIONING_LABELS = ['Connect started', 'Port reserved', 'Creating the container', 'Starting the slice', 'Waiting for the slice to answer', 'Starting WhatsApp Web'];

/** True when `wanted` appears in `seen` in this order (other entries may sit in between). */
function inOrder(seen: string[], wanted: string[]): boolean {
  let next = 0;
  for (const label of seen) if (label === wanted[next]) next++;
  return next === wanted.length;
}

test.describe('when the codes expire', () => {
  test.use({ serverEnv: { SLICEDECK_QR_FIRST_TTL_MS: '1000', SLICEDECK_QR_TTL_MS: '1000', SLICEDECK_QR_CODES: '2' } });

  test('History lists the provisioning stages and the expiry, newest first, and follows what happens next', async ({ page, accounts, server }) => {
    const name = accountName('Hal');
    const accountId = await accounts.add(name);
    const connect = await accounts.openConnect(name);
    const history = new HistorySection(page);

    await history.open();
    await expect(history.panel).toContainText('Nothing has happened yet for this account.');
    await history.close();

    await connect.connectButton.click();
    await expect(page.getByRole('heading', { name: 'The code expired before it was scanned' })).toBeVisible({ timeout: 60_000 });

    await history.open();
    const newest = history.entries(name).first();
    await expect(newest.locator('.history-label')).toHaveText('Codes expired');
    await expect(newest).toContainText('None of the codes was scanned in time');
    await expect(newest.locator('time')).toHaveText(/\d{1,2}:\d{2}:\d{2}/);
    const labels = await history.labels(name).allTextContents();
    // Newest first: read backwards, the walk is in the order the host took it.
    expect(inOrder([...labels].reverse(), [...PROVISIONING_LABELS, 'Showing codes', 'Codes expired'])).toBe(true);
    await expect(history.entries(name).filter({ hasText: 'Code 1 of 2' })).toHaveCount(1);
    await expect(history.entries(name).filter({ hasText: 'Code 2 of 2' })).toHaveCount(1);
    await snapshot(page, 'history-after-expiry');

    // Still open: a new attempt shows up by itself, from the host's events.
    await connect.tryAgainButton.click();
    await expect(history.labels(name).filter({ hasText: /^Connect started$/ })).toHaveCount(2);

    // The same History is on the Chat page.
    await page.goto(`${server.origin}/#/chat/${accountId}`);
    await expect(page.getByRole('heading', { name: `Chats of ${name}`, level: 1 })).toBeVisible();
    await history.open();
    await expect(history.labels(name).filter({ hasText: /^Connect started$/ })).toHaveCount(2);
  });
});
