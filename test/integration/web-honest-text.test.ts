/**
 * Issue 19, finding 9, through the real web server over a real core: names and texts
 * with bidi overrides, C1 controls or lone surrogates are refused with words (400),
 * and nothing of them is stored (`\ud800` used to be stored as invalid UTF-8).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WebServer } from '../../src/main/transport/web';
import { startWebRig, type WebRig } from '../helpers/web-rig';

const TOKEN = 'honest-text-token-0123456789';
let server: WebServer;
let rig: WebRig;

beforeAll(async () => {
  rig = await startWebRig(TOKEN);
  ({ server } = rig);
});

afterAll(async () => {
  await rig?.close();
});

async function rpc(name: string, body: unknown): Promise<{ status: number; answer: { ok: boolean; result?: unknown; error?: { code: string; message: string } } }> {
  const response = await fetch(`${server.url}api/rpc/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
    // JSON.stringify writes a lone surrogate as the escape \ud800: the server's JSON.parse gives it back.
    body: JSON.stringify(body),
  });
  return { status: response.status, answer: (await response.json()) as never };
}

it.each([
  ['\u202eevil', /right-to-left override/],
  ['C1\u0085control', /control characters/],
  ['half\ud800', /not well-formed text/],
])('refuses the account name %j with words and stores nothing', async (name, words) => {
  const { status, answer } = await rpc('accounts.add', { name });
  expect(status).toBe(400);
  expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(words) } });
  const listed = await rpc('accounts.list', {});
  expect(listed.answer.result).toEqual([]);
});

it.each([
  ['pay \u202e0001\u202c', /right-to-left override/],
  ['bad\u009b', /control characters/],
  ['\udc00', /not well-formed text/],
])('refuses the message text %j with words', async (text, words) => {
  const { status, answer } = await rpc('messages.send', { accountId: 'acc_aaaaaa', chatId: '1@c.us', text });
  expect(status).toBe(400);
  expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(words) } });
});
