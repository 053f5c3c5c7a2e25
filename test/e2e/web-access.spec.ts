/** The web mode's front door: the token, the Origin and Host checks, and the first page load. */
import { docker } from '../helpers/docker';
import { accountName, expect, test } from './fixtures';
import { AccountsPage, recordTexts, seenTexts, snapshot } from './pages';

test('the API refuses requests without the token, with words', async ({ request, server }) => {
  const refused = await request.post(`${server.origin}/api/rpc/accounts.list`, { data: {} });
  expect(refused.status()).toBe(401);
  const body = await refused.json();
  expect(body).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  expect(body.error.message).toMatch(/token/);

  const wrong = await request.post(`${server.origin}/api/rpc/accounts.list`, { data: {}, headers: { Authorization: 'Bearer not-the-token' } });
  expect(wrong.status()).toBe(401);

  const events = await request.get(`${server.origin}/api/events`);
  expect(events.status()).toBe(401);

  const accepted = await request.post(`${server.origin}/api/rpc/accounts.list`, { data: {}, headers: { Authorization: `Bearer ${server.token}` } });
  expect(accepted.status()).toBe(200);
  expect(await accepted.json()).toMatchObject({ ok: true });
});

test('the API refuses other web pages and other host names', async ({ request, server }) => {
  const headers = { Authorization: `Bearer ${server.token}` };
  const foreign = await request.post(`${server.origin}/api/rpc/accounts.list`, { data: {}, headers: { ...headers, Origin: 'http://evil.example' } });
  expect(foreign.status()).toBe(403);
  expect((await foreign.json()).error.code).toBe('forbidden');

  const rebound = await request.post(`${server.origin}/api/rpc/accounts.list`, { data: {}, headers: { ...headers, Host: `evil.example:${server.port}` } });
  expect(rebound.status()).toBe(403);
});

test('the panel loads from the printed address, keeps the token out of the address bar, and shows what to do first', async ({ page, server }) => {
  await page.goto(server.url);
  await expect(page.getByRole('heading', { name: 'Accounts', level: 1 })).toBeVisible();
  expect(page.url()).not.toContain('token=');
  await expect(page.getByRole('textbox', { name: 'Account name' })).toBeVisible();
  // The simulated driver is announced so nobody mistakes it for a real link.
  await expect(page.getByText('Simulation', { exact: true })).toBeVisible();
});

test('the page opens its event stream with an HttpOnly cookie, never with the token in a URL, and live updates arrive', async ({ page, server, context }) => {
  const eventUrls: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/events') eventUrls.push(request.url());
  });
  await page.goto(server.url);
  await expect(page.getByRole('heading', { name: 'Accounts', level: 1 })).toBeVisible();
  await expect.poll(() => eventUrls.length, { timeout: 30_000 }).toBeGreaterThan(0);
  for (const url of eventUrls) expect(url).not.toContain('token');
  const cookie = (await context.cookies(`${server.origin}/api/events`)).find((c) => c.name === 'slicedeck_events');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api' });
  expect(cookie!.value).not.toContain(server.token);
  // The stream really runs on the cookie: an account added by a program appears without a reload.
  const name = accountName('Cookie');
  const added = await page.request.post(`${server.origin}/api/rpc/accounts.add`, { data: { name }, headers: { Authorization: `Bearer ${server.token}` } });
  expect(added.status()).toBe(200);
  await expect(page.getByText(name, { exact: true }).first()).toBeVisible({ timeout: 30_000 });
});

test('opening the panel without the token says how to open it', async ({ page, server }) => {
  await page.goto(server.origin + '/');
  await expect(page.getByRole('alert').filter({ hasText: 'token' }).first()).toBeVisible();
});

test.describe('when Docker does not answer', () => {
  test.use({ serverEnv: { DOCKER_HOST: 'unix:///tmp/slicedeck-e2e-no-docker.sock' } });

  test('the panel still opens, shows a banner with what to do, and Connect answers with words', async ({ page, accounts }) => {
    const banner = page.getByTestId('banner-docker');
    await expect(banner).toBeVisible();
    await expect(banner).toContainText('Docker is not reachable');
    await expect(banner).toContainText('Start Docker');

    const name = accountName('Eve');
    await accounts.add(name);
    const connect = await accounts.openConnect(name);
    await connect.connectButton.click();
    // The host records the failure as the slice's error: plain words and a retry.
    await expect(page.getByRole('heading', { name: 'Connecting failed' })).toBeVisible();
    await expect(page.getByTestId('slice-error')).toContainText('Docker is not answering');
    await expect(connect.tryAgainButton).toBeEnabled();
  });
});

test.describe('when the slice image is missing', () => {
  // No variant: the global setup's SLICEDECK_IMAGE_VARIANT must not make this custom name buildable.
  // A name of this run's own: a fixed one could be tagged by another run on the shared engine.
  test.use({ serverEnv: { SLICEDECK_IMAGE: `slicedeck-slice:e2e-missing-${Math.random().toString(36).slice(2, 10)}`, SLICEDECK_IMAGE_VARIANT: '' } });

  test('a banner says how to build it, and a build it cannot do ends in words, not silence', async ({ page, accounts }) => {
    await expect(accounts.row('nobody')).toHaveCount(0);
    const banner = page.getByTestId('banner-image');
    await expect(banner).toContainText('The slice image is missing');
    await expect(banner).toContainText('npm run slice:image');

    // A custom SLICEDECK_IMAGE is the operator's to build: the button says so instead of guessing.
    await banner.getByRole('button', { name: 'Build image' }).click();
    await expect(page.getByTestId('image-error')).toContainText('yours to build');
    await expect(page.getByTestId('image-error')).toContainText('SLICEDECK_IMAGE_VARIANT');
    await expect(banner.getByRole('button', { name: 'Build image' })).toBeEnabled();
    await snapshot(page, 'image-banner-build-refused');
  });
});

test.describe('when the slice image is missing and slicedeck can build it', () => {
  // A throw-away name for our node-only image (never slicedeck-slice:latest, which other tests use).
  const image = `slicedeck-slice-test:build-${Math.random().toString(36).slice(2, 10)}`;
  test.use({ serverEnv: { SLICEDECK_IMAGE: image, SLICEDECK_IMAGE_VARIANT: 'node' } });
  test.afterAll(async () => {
    // Only the tag this test made; the image keeps its own tags.
    await docker.getImage(image).remove({ noprune: true }).catch(() => undefined);
  });

  test('the banner offers Build image; the build ends with the banner gone, and Connect works', async ({ page, server }) => {
    await recordTexts(page, ['banner-image']);
    const accounts = new AccountsPage(page);
    await accounts.open(server.url);
    const banner = page.getByTestId('banner-image');
    await expect(banner).toContainText('The slice image is missing');
    await expect(banner).toContainText(image);

    await banner.getByRole('button', { name: 'Build image' }).click();
    // The build is quick when our image is up to date; the banner's own record keeps the brief state.
    await expect(banner).toHaveCount(0, { timeout: 90_000 });
    expect(await seenTexts(page, 'banner-image')).toContainEqual(expect.stringContaining('Building the slice image…'));

    const name = accountName('Bea');
    await accounts.add(name);
    const connect = await accounts.openConnect(name);
    await connect.connectButton.click();
    await expect(connect.qrCode).toBeVisible();
  });
});
