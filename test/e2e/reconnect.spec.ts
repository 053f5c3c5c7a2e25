/**
 * The web shim after the server went away and came back: the panel says the live
 * connection is lost, reconnects by itself, and re-reads what changed meanwhile.
 */
import { accountName, expect, test } from './fixtures';
import { freePort, startPanelServer, type PanelServer } from './panel-server';
import { AccountsPage } from './pages';

test('a restarted server is found again and what changed meanwhile is shown', async ({ page, request }) => {
  const port = String(await freePort());
  const env = { SLICEDECK_PORT: port, SLICEDECK_PORT_RANGE: '47650-47699' };
  const servers: PanelServer[] = [];
  try {
    const first = await startPanelServer(env);
    servers.push(first);
    const accounts = new AccountsPage(page);
    await accounts.open(first.url);
    const before = accountName('Jill');
    await accounts.add(before);

    // Hold the event stream down while the server is away, so the change below can only reach the page by the re-read.
    await page.route('**/api/events**', (route) => route.abort());
    await first.stop({ keepData: true });
    await expect(page.getByTestId('banner-stream')).toBeVisible();

    const second = await startPanelServer(env, { dataDir: first.dataDir, token: first.token });
    servers.push(second);
    const during = accountName('Kim');
    const added = await request.post(`${second.origin}/api/rpc/accounts.add`, {
      data: { name: during },
      headers: { Authorization: `Bearer ${second.token}` },
    });
    expect(added.status()).toBe(200);
    await expect(accounts.row(during)).toHaveCount(0);

    await page.unroute('**/api/events**');
    await expect(page.getByTestId('banner-stream')).toHaveCount(0, { timeout: 30_000 });
    await expect(accounts.row(during)).toBeVisible();
    await expect(accounts.row(before)).toBeVisible();
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
});
