/**
 * The connect flow end to end: real renderer, real web server, real core, real
 * Docker slices in real Chromium; only WhatsApp is simulated (`sim.scan` is the phone).
 */
import { PROVISIONING_STAGES, STAGE_INFO } from '@shared/stages';
import { accountName, containersOfAccount, expect, test } from './fixtures';
import { ConnectPage, provisioningFrames, recordProvisioning, recordTexts, seenTexts } from './pages';

const PROVISIONING_MESSAGES = PROVISIONING_STAGES.map((stage) => STAGE_INFO[stage].message);

test('connect, scan, link and land on the chat page, with exactly one loopback-only slice', async ({ page, accounts, server }) => {
  await recordTexts(page, ['contacts-found']);
  await recordProvisioning(page);
  await accounts.open(server.url);
  const name = accountName('Alice');
  const accountId = await accounts.add(name);
  const connect = await accounts.openConnect(name);

  await expect(page.getByText('Link this account’s WhatsApp')).toBeVisible();
  await connect.connectButton.click();

  await expect(connect.codeOf(1)).toBeVisible();
  await expect(connect.qrCode.locator('svg')).toBeVisible();

  // Provisioning was on screen: every stage's words, in the host's order, each
  // with its progress bar at that stage's value and the elapsed timer in m:ss.
  const frames = await provisioningFrames(page);
  const stagesSeen = frames.map((frame) => frame.stage).filter((stage, i, all) => stage !== all[i - 1]);
  test.info().annotations.push({ type: 'stages seen', description: stagesSeen.join(' → ') });
  expect(stagesSeen).toEqual(PROVISIONING_MESSAGES);
  for (const frame of frames) {
    const stage = PROVISIONING_STAGES.find((s) => STAGE_INFO[s].message === frame.stage)!;
    expect(frame.bar, `the progress bar during “${frame.stage}”`).toEqual({ name: 'Provisioning progress', value: STAGE_INFO[stage].progress });
    expect(frame.elapsed, `the elapsed timer during “${frame.stage}”`).toMatch(/^\d+:\d{2}$/);
  }
  // The code's countdown bar is a real progress bar with a value.
  const countdown = page.getByRole('progressbar', { name: 'Time left for this code' });
  await expect(countdown).toBeVisible();
  expect(Number(await countdown.getAttribute('aria-valuenow'))).toBeGreaterThan(0);

  await connect.simulateScanButton.click();
  await expect(page.getByText('Linked!', { exact: true })).toBeVisible();
  await expect(connect.contactsFound).toHaveText(/^Found: \d+ contacts$/);

  // Ready switches to the chat page on its own.
  await expect(page).toHaveURL(new RegExp(`#/chat/${accountId}$`));
  await expect(page.getByRole('heading', { name: `Chats of ${name}` })).toBeVisible();

  const counts = (await seenTexts(page, 'contacts-found')).map((text) => Number(/Found: (\d+) contacts/.exec(text)![1]));
  test.info().annotations.push({ type: 'contacts seen', description: counts.join(', ') });
  expect(counts.length).toBeGreaterThan(1);
  for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]!);
  expect(counts.at(-1)!).toBeGreaterThan(counts[0]!);

  const containers = await containersOfAccount(server, accountId);
  expect(containers).toHaveLength(1);
  const [container] = containers;
  expect(container!.State).toBe('running');
  expect(container!.Labels['slicedeck.account-id']).toBe(accountId);
  const published = container!.Ports.filter((p) => p.PublicPort);
  expect(published.length).toBeGreaterThan(0);
  for (const port of published) expect(port.IP).toBe('127.0.0.1');
});

test.describe('when no code is scanned', () => {
  test.use({ serverEnv: { SLICEDECK_QR_FIRST_TTL_MS: '1500', SLICEDECK_QR_TTL_MS: '1500', SLICEDECK_QR_CODES: '3' } });

  test('the three codes expire, the slice is destroyed, and trying again starts over', async ({ page, accounts, server }) => {
    await recordTexts(page, ['qr-counter']);
    await accounts.open(server.url);
    const name = accountName('Bob');
    const accountId = await accounts.add(name);
    const connect = await accounts.openConnect(name);

    await connect.connectButton.click();
    await expect(page.getByRole('heading', { name: 'The code expired before it was scanned' })).toBeVisible({ timeout: 60_000 });
    expect(await seenTexts(page, 'qr-counter')).toEqual(['Code 1 of 3', 'Code 2 of 3', 'Code 3 of 3']);

    // The host removed the container when the last code expired.
    await expect.poll(async () => (await containersOfAccount(server, accountId)).length, { timeout: 45_000 }).toBe(0);

    await connect.tryAgainButton.click();
    await expect(connect.codeOf(1)).toBeVisible();
    await expect(connect.qrCode.locator('svg')).toBeVisible();
  });
});

test('a reload during the QR phase shows the code the host is showing', async ({ page, accounts, server }) => {
  await accounts.open(server.url);
  const name = accountName('Carol');
  await accounts.add(name);
  const connect = await accounts.openConnect(name);
  await connect.connectButton.click();
  await expect(connect.codeOf(1)).toBeVisible();

  // The token left the address bar on first load; the tab keeps it for reloads.
  expect(page.url()).not.toContain('token=');
  await page.reload();

  const again = new ConnectPage(page);
  await expect(again.heading(name)).toBeVisible();
  await expect(again.qrCode.locator('svg')).toBeVisible();
  await expect(again.qrCounter).toHaveText(/^Code [1-3] of 3$/);
  await expect(again.connectButton).toHaveCount(0);
});
