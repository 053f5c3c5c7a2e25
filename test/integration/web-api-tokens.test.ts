/**
 * The API for other programs on the web mode, over a real core (real SQLite, real engine):
 * tokens are stored hashed and shown once, limited to their accounts and scope, never reach
 * the operator's own commands, are refused with words once revoked; the panel's token is no
 * API token; the OpenAPI document served is the committed one, and both are what the
 * contract gives.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_PATH } from '@shared/gateway';
import { openApiText } from '@shared/openapi';
import type { WebServer } from '../../src/main/transport/web';
import type { TestCore } from '../helpers/core';
import { startWebRig, type WebRig } from '../helpers/web-rig';

const PANEL_TOKEN = 'panel-token-for-the-api-test-0123456789';
let tc: TestCore;
let server: WebServer;
let rig: WebRig;

beforeAll(async () => {
  rig = await startWebRig(PANEL_TOKEN);
  ({ tc, server } = rig);
});

afterAll(async () => {
  await rig?.close();
});

async function api(token: string, command: string, input: unknown = {}, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}api/v1/${command}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(input),
  });
  return { status: response.status, body: (await response.json()) as { ok: boolean; result?: unknown; error?: { code: string; message: string } } };
}

describe('the API for other programs', () => {
  it('lets a token reach only its accounts and scope, never the operator’s commands; revoked, it is refused', async () => {
    const mine = await tc.call('accounts.add', { name: 'Mine' });
    const other = await tc.call('accounts.add', { name: 'Other' });
    const { info, token } = await tc.call('apiTokens.create', { name: 'crm', scope: 'read', accountIds: [mine.id] });
    expect(token).toMatch(/^sdt_tok_[0-9a-f]{16}_/);

    // Stored hashed: the database holds no token, and the list never shows it.
    const db = new Database(join(tc.dataDir, 'slicedeck.db'), { readonly: true });
    const dump = JSON.stringify(db.prepare('SELECT * FROM api_tokens').all());
    db.close();
    expect(dump).not.toContain(token.split('_').pop());
    expect(JSON.stringify(await tc.call('apiTokens.list'))).not.toContain(token.split('_').pop());

    const listed = await api(token, 'accounts.list');
    expect(listed.status).toBe(200);
    expect((listed.body.result as { id: string }[]).map((a) => a.id)).toEqual([mine.id]);
    const views = await api(token, 'slices.list');
    expect((views.body.result as { accountId: string }[]).map((v) => v.accountId)).toEqual([mine.id]);
    expect((await api(token, 'slices.view', { accountId: mine.id })).status).toBe(200);

    const otherAccount = await api(token, 'slices.view', { accountId: other.id });
    expect(otherAccount.status).toBe(403);
    expect(otherAccount.body.error?.message).toMatch(`may not use account ${other.id}`);

    const send = await api(token, 'messages.send', { accountId: mine.id, chatId: '15550001111@c.us', text: 'hi' });
    expect(send.status).toBe(403);
    expect(send.body.error?.message).toMatch(/may only read.*“send” scope/);

    for (const [command, input] of [
      ['accounts.add', { name: 'Sneaky' }],
      ['slices.destroy', { accountId: mine.id }],
      ['apiTokens.create', { name: 'more', scope: 'send', accountIds: [other.id] }],
      ['webhooks.list', {}],
    ] as const) {
      const refused = await api(token, command, input);
      expect(refused.status, command).toBe(403);
      expect(refused.body.error?.message).toMatch(/operator’s own command/);
    }
    expect((await tc.call('accounts.list')).map((a) => a.name)).not.toContain('Sneaky');

    // Bad input meets the contract's own schemas.
    const bad = await api(token, 'chats.list', { accountId: mine.id, limit: 'ten' });
    expect(bad.status).toBe(400);

    // The panel's token is not an API token, and a page from another site is refused.
    expect((await api(PANEL_TOKEN, 'accounts.list')).status).toBe(401);
    expect((await api(token, 'accounts.list', {}, { Origin: 'http://evil.example' })).status).toBe(403);

    await tc.call('apiTokens.revoke', { tokenId: info.id });
    const revoked = await api(token, 'accounts.list');
    expect(revoked.status).toBe(401);
    expect(revoked.body.error?.message).toMatch(/revoked/);
  });

  it('a send token sends within its accounts (refused with words while the account has no slice)', async () => {
    const account = await tc.call('accounts.add', { name: 'Sender' });
    const { token } = await tc.call('apiTokens.create', { name: 'bot', scope: 'send', accountIds: [account.id] });
    const send = await api(token, 'messages.send', { accountId: account.id, chatId: '15550001111@c.us', text: 'hi' });
    // Past the gate: the core's own answer for an account never connected.
    expect(send.status).toBe(502);
    expect(send.body.error?.message).toMatch(/Connect this account first/);
  });

  it('serves the OpenAPI document, which is the committed docs/openapi.json, which is what the contract gives', async () => {
    const committed = readFileSync(join(import.meta.dirname, '../../docs/openapi.json'), 'utf8');
    expect(committed, 'docs/openapi.json is stale: run `npm run docs:openapi` and commit it').toBe(openApiText());
    const served = await fetch(`${server.url}${OPENAPI_PATH.slice(1)}`);
    expect(served.status).toBe(200);
    expect(await served.text()).toBe(committed);
  });
});
