/**
 * Media on the chat page, in a browser over the web mode (real core, a real simulated
 * slice): a photo's thumbnail with its caption, a voice note's length, a document's name
 * and size; a click saves the document (2.5 MB, past the host's 1 MiB cap on ordinary
 * slice answers) and opens the photo in place; a video over the media limit says so.
 */
import { readFile } from 'node:fs/promises';
import { accountName, expect, test } from './fixtures';
import { snapshot } from './pages';

/** How wide an <img> really drew (0 until its bytes decoded); the test runs under Node's types, not the DOM's. */
const drawnWidth = (img: unknown) => {
  const image = img as { complete: boolean; naturalWidth: number };
  return image.complete ? image.naturalWidth : 0;
};

/** The simulated phone's first contact holds its media (src/slice/drivers/simulated-media.ts). */
const MEDIA_CHAT = 'Ana Silva';

test('media messages show as what they are, and download on click', async ({ page, accounts }) => {
  const name = accountName('Media');
  await accounts.add(name);
  const connect = await accounts.openConnect(name);
  await connect.connectAndScan();

  const chatList = page.getByRole('complementary', { name: 'Chats' });
  await chatList.getByRole('searchbox', { name: 'Search chats' }).fill(MEDIA_CHAT);
  await chatList.getByRole('list').getByRole('button').filter({ hasText: MEDIA_CHAT }).first().click();
  const thread = page.getByRole('region', { name: `Conversation with ${MEDIA_CHAT}` });
  const bubbleOf = (kind: string) => `[data-testid="media-bubble"][data-kind="${kind}"]`;
  const bubble = (kind: string) => thread.locator(bubbleOf(kind));

  // The photo: WhatsApp's thumbnail, really drawn, with its caption beside it.
  const photo = bubble('image');
  await expect(photo.getByTestId('media-thumbnail')).toBeVisible();
  await expect.poll(() => photo.getByTestId('media-thumbnail').evaluate(drawnWidth)).toBe(64);
  await expect(thread.getByRole('listitem').filter({ has: page.locator(bubbleOf('image')) })).toContainText('The view from the office 🌄');
  // The voice note's length; the document's name and size in people's units.
  await expect(bubble('voice').getByTestId('media-duration')).toHaveText('0:07');
  await expect(bubble('document').getByTestId('media-file-name')).toHaveText('Price list 2026.pdf');
  await expect(bubble('document').getByTestId('media-size')).toHaveText('2.5 MB');
  await expect(bubble('video').getByTestId('media-duration')).toHaveText('▶ 1:35');
  // The panel knows the limit (system.status) and says the video is over it before any click.
  await expect(bubble('video').getByTestId('media-over-limit')).toHaveText('over the 16.0 MB download limit');
  await expect(bubble('document').getByTestId('media-over-limit')).toHaveCount(0);
  await snapshot(page, 'chat-media');

  // A click saves the document, whole.
  const saving = page.waitForEvent('download');
  await bubble('document').getByTestId('media-download').click();
  const download = await saving;
  expect(download.suggestedFilename()).toBe('Price list 2026.pdf');
  const saved = await readFile((await download.path())!);
  expect(saved.length).toBe(2_621_440);
  expect(saved.subarray(0, 8).toString('latin1')).toBe('%PDF-1.4');

  // A click on the photo opens it in place, full size.
  await photo.getByTestId('media-thumbnail').click();
  const full = photo.getByTestId('media-full-image');
  await expect(full).toBeVisible();
  await expect.poll(() => full.evaluate(drawnWidth)).toBe(480);

  // The video is over the 16 MiB limit: the host's words, and what to do.
  await bubble('video').getByTestId('media-download').click();
  await expect(bubble('video').getByTestId('media-error')).toHaveText(
    'The slice said: This file is 40.0 MB, more than the 16.0 MB slicedeck downloads (SLICEDECK_MEDIA_MAX_BYTES). Open it on the phone, or raise the limit and connect the account again.',
  );
  await snapshot(page, 'chat-media-opened');
});
