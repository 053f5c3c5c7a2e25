/**
 * The host's side of paging: what the slice client asks a slice for (the page the caller
 * wanted, nothing more), and a slice answering more rows than any page may hold is a
 * protocol breach, refused with words like any other.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CHATS_PAGE_MAX } from '@shared/paging';
import { SliceClient } from '../../../src/main/core/slice-client';

const servers: http.Server[] = [];
const clients: SliceClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A stand-in slice that records each request's URL and answers `body`. */
async function slice(body: unknown): Promise<{ client: SliceClient; urls: string[] }> {
  const urls: string[] = [];
  const server = http.createServer((req, res) => {
    urls.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new SliceClient({ port: (server.address() as AddressInfo).port, token: 'tok' });
  clients.push(client);
  return { client, urls };
}

describe('SliceClient paging', () => {
  it('asks for exactly the page the caller wants, and the first page when no paging is given', async () => {
    const { client, urls } = await slice([]);
    await client.chats();
    await client.chats({ cursor: 'c1.1765000000.15550001234@c.us', limit: 50, query: 'Ana & Bruno' });
    await client.messages('1@c.us');
    await client.messages('1@c.us', { before: 'true_1@c.us_3EB0AB', limit: 20 });
    expect(urls).toEqual([
      '/api/chats',
      '/api/chats?cursor=c1.1765000000.15550001234%40c.us&limit=50&query=Ana+%26+Bruno',
      '/api/chats/1%40c.us/messages',
      '/api/chats/1%40c.us/messages?before=true_1%40c.us_3EB0AB&limit=20',
    ]);
  });

  it('refuses a page of more rows than any caller may ask for, naming the route without its query', async () => {
    const rows = Array.from({ length: CHATS_PAGE_MAX + 1 }, (_, i) => ({ id: `${i}@c.us`, name: `c${i}`, isGroup: false, unreadCount: 0 }));
    const { client } = await slice(rows);
    await expect(client.chats({ query: 'secret search' })).rejects.toMatchObject({ code: 'slice_failed', message: expect.stringMatching(/malformed answer to GET \/api\/chats; it was refused/) });
    await expect(client.chats({ query: 'secret search' })).rejects.toMatchObject({ message: expect.not.stringMatching(/secret/) });
  });
});
