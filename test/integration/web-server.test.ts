/**
 * startWebServer over a real core (real SQLite, real Docker slices, simulated
 * WhatsApp): the token, Origin and Host rules, the RPC envelope and its HTTP
 * statuses, the event stream, and the static renderer files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '@shared/contract';
import type { SliceView } from '@shared/types';
import { CONTENT_SECURITY_POLICY } from '../../src/main/csp';
import type { WebServer } from '../../src/main/transport/web';
import type { TestCore } from '../helpers/core';
import { startWebRig, type WebRig } from '../helpers/web-rig';

const TOKEN = 'integration-token-0123456789';
let tc: TestCore;
let server: WebServer;
let rig: WebRig;

beforeAll(async () => {
  rig = await startWebRig(TOKEN, { files: { 'assets/app.js': 'console.log(1)', 'assets/app.css': 'body{}' }, server: { heartbeatMs: 200 } });
  ({ tc, server } = rig);
});

afterAll(async () => {
  await rig?.close();
});

/** The envelope as the tests read it. */
interface Answer {
  ok: boolean;
  result: { id: string; name: string } & Record<string, unknown>;
  error: { code: string; message: string };
}
const answer = (response: Response) => response.json() as Promise<Answer>;

function rpc(name: string, body: unknown = {}, headers: Record<string, string> = {}) {
  return fetch(`${server.url}api/rpc/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Reads the event stream until `until` accepts an event (bounded by the test timeout). */
async function readEvents(response: Response, until: (event: AppEvent) => boolean): Promise<{ events: AppEvent[]; raw: string }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: AppEvent[] = [];
  let raw = '';
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream ended early; got ${raw}`);
    const text = decoder.decode(value, { stream: true });
    raw += text;
    buffer += text;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (!data) continue;
      const event = JSON.parse(data) as AppEvent;
      events.push(event);
      if (until(event)) {
        await reader.cancel();
        return { events, raw };
      }
    }
  }
}

describe('the token', () => {
  it('refuses a request without it, or with a wrong one, with 401 and words', async () => {
    for (const headers of [{ Authorization: '' }, { Authorization: 'Bearer wrong' }, { Authorization: `Basic ${TOKEN}` }]) {
      const response = await rpc('accounts.list', {}, headers);
      expect(response.status).toBe(401);
      const body = await answer(response);
      expect(body.ok).toBe(false);
      expect(body.error.code).toBe('unauthorized');
      expect(body.error.message).toMatch(/token/);
    }
  });

  it('is not accepted in the query string of an RPC call', async () => {
    const response = await fetch(`${server.url}api/rpc/accounts.list?token=${TOKEN}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(401);
  });

  it('lets the right one through', async () => {
    const response = await rpc('accounts.list');
    expect(response.status).toBe(200);
    expect(await answer(response)).toEqual({ ok: true, result: [] });
  });
});

describe('origin and host', () => {
  it('refuses a foreign Origin with 403', async () => {
    const response = await rpc('accounts.list', {}, { Origin: 'http://evil.example' });
    expect(response.status).toBe(403);
    expect((await answer(response)).error.code).toBe('forbidden');
  });

  it('accepts its own origin', async () => {
    const response = await rpc('accounts.list', {}, { Origin: `http://127.0.0.1:${server.port}` });
    expect(response.status).toBe(200);
  });
});

describe('RPC', () => {
  it('answers a command with its result', async () => {
    const response = await rpc('accounts.add', { name: 'Web Alice' });
    expect(response.status).toBe(200);
    const body = await answer(response);
    expect(body.ok).toBe(true);
    expect(body.result.name).toBe('Web Alice');
    expect(body.result.id).toMatch(/^acc_/);
  });

  it('refuses bad JSON with 400 and words', async () => {
    const response = await rpc('accounts.add', '{"name": ');
    expect(response.status).toBe(400);
    const body = await answer(response);
    expect(body.error).toMatchObject({ code: 'invalid_input' });
    expect(body.error.message).toMatch(/JSON/);
  });

  it('refuses a body that is not JSON by content type', async () => {
    const response = await rpc('accounts.list', '{}', { 'Content-Type': 'text/plain' });
    expect(response.status).toBe(400);
    expect((await answer(response)).error.message).toMatch(/application\/json/);
  });

  it('refuses a body larger than 64 KB with 413', async () => {
    const response = await rpc('accounts.add', { name: 'x'.repeat(70 * 1024) });
    expect(response.status).toBe(413);
    expect((await answer(response)).error.message).toMatch(/64 KB/);
  });

  it('passes input validation errors through as 400 with the contract’s words', async () => {
    const response = await rpc('accounts.add', { name: '   ' });
    expect(response.status).toBe(400);
    expect((await answer(response)).error.message).toMatch(/Give the account a name/);
  });

  it('answers an unknown command with 404', async () => {
    const response = await rpc('accounts.explode');
    expect(response.status).toBe(404);
    expect((await answer(response)).error.code).toBe('unknown_command');
  });

  it('answers an unknown API path with 404 JSON', async () => {
    const response = await fetch(`${server.url}api/nothing-here`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect((await answer(response)).error.code).toBe('not_found');
  });

  it('answers GET on a command with 405', async () => {
    const response = await fetch(`${server.url}api/rpc/accounts.list`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(405);
  });
});

/** The cookie the first page load (with ?token=) sets, as a Cookie header value; null when none was set. */
async function cookieFromPageLoad(query: string): Promise<{ cookie: string | null; setCookie: string | null }> {
  const response = await fetch(`${server.url}${query}`);
  expect(response.status).toBe(200);
  await response.text();
  const setCookie = response.headers.get('set-cookie');
  return { cookie: setCookie ? setCookie.split(';')[0]! : null, setCookie };
}

describe('the event stream', () => {
  it('refuses a connection with neither the token header nor the cookie', async () => {
    const response = await fetch(`${server.url}api/events`);
    expect(response.status).toBe(401);
  });

  it('refuses the token in its URL: tokens stay out of URLs (issue 19)', async () => {
    const response = await fetch(`${server.url}api/events?token=${encodeURIComponent(TOKEN)}`);
    expect(response.status).toBe(401);
  });

  it('gets an HttpOnly, SameSite=Strict cookie for /api from the first page load with the token, and none with a wrong one', async () => {
    const { setCookie } = await cookieFromPageLoad(`?token=${encodeURIComponent(TOKEN)}`);
    expect(setCookie).toMatch(/^slicedeck_events=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/api$/);
    expect(setCookie).not.toContain(TOKEN);
    expect((await cookieFromPageLoad('?token=wrong-token-0123456789abcdef')).setCookie).toBeNull();
    expect((await cookieFromPageLoad('')).setCookie).toBeNull();
  });

  it('works with that cookie and no token; the cookie opens no command', async () => {
    const { cookie } = await cookieFromPageLoad(`?token=${encodeURIComponent(TOKEN)}`);
    const controller = new AbortController();
    const stream = await fetch(`${server.url}api/events`, { headers: { Cookie: cookie! }, signal: controller.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    controller.abort();
    expect((await rpc('accounts.list', {}, { Authorization: '', Cookie: cookie! })).status).toBe(401);
    // A cookie for another token opens nothing.
    expect((await fetch(`${server.url}api/events`, { headers: { Cookie: 'slicedeck_events=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } })).status).toBe(401);
  });

  it('gives the cookie again to a page that presents the token header (POST /api/session)', async () => {
    const response = await fetch(`${server.url}api/session`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toMatch(/^slicedeck_events=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/api$/);
    expect((await fetch(`${server.url}api/session`, { method: 'POST' })).status).toBe(401);
  });

  it('delivers a slice event for a real connect, each as the default message with AppEvent JSON (programs: the Bearer header)', async () => {
    const account = await tc.call('accounts.add', { name: 'Stream Bob' });
    const stream = await fetch(`${server.url}api/events`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reading = readEvents(stream, (e) => e.type === 'slice' && e.data.accountId === account.id && e.data.phase === 'qr');
    await tc.call('slices.connect', { accountId: account.id });
    const { events, raw } = await reading;
    const views = events.filter((e): e is { type: 'slice'; data: SliceView } => e.type === 'slice').map((e) => e.data);
    expect(views.at(-1)!.qr?.index).toBe(1);
    expect(views.some((v) => v.phase === 'provisioning')).toBe(true);
    // Default message events only: no `event:` lines.
    expect(raw).not.toMatch(/^event:/m);
    await tc.call('slices.destroy', { accountId: account.id });
  });

  it('sends heartbeat comments and unsubscribes when the client goes away', async () => {
    const controller = new AbortController();
    const { cookie } = await cookieFromPageLoad(`?token=${encodeURIComponent(TOKEN)}`);
    const stream = await fetch(`${server.url}api/events`, { headers: { Cookie: cookie! }, signal: controller.signal });
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let raw = '';
    for (let i = 0; i < 20 && !raw.includes(': heartbeat'); i++) raw += decoder.decode((await reader.read()).value);
    expect(raw).toContain(': heartbeat');
    const bus = tc.core.events as unknown as { listenerCount: number };
    const before = bus.listenerCount;
    controller.abort();
    await expect.poll(() => bus.listenerCount, { timeout: 15_000 }).toBe(before - 1);
  });
});

describe('static files', () => {
  it('serves index.html for / with the CSP and nosniff', async () => {
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    // The one policy the desktop app's app:// responses carry too (src/main/csp.ts).
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain('<title>slicedeck</title>');
  });

  it('serves assets with their content types', async () => {
    expect((await fetch(`${server.url}assets/app.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${server.url}assets/app.css`)).headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('never leaves the renderer folder', async () => {
    const { request } = await import('node:http');
    for (const path of ['/../../etc/passwd', '/assets/..%2f..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/%00']) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, path, method: 'GET' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      expect(status, path).toBe(404);
    }
  });

  it('refuses a page request under a foreign Host name (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/', headers: { Host: `attacker.example:${server.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});

describe('a flood of untokened connections (issue 19, finding 3)', () => {
  /** One request on a fresh connection: status and Connection header, or the error's words. */
  async function once(path: string, method: string, headers: Record<string, string>): Promise<{ status: number; connection?: string | undefined } | { error: string }> {
    const { request } = await import('node:http');
    return new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port: server.port, path, method, headers: method === 'POST' ? { 'Content-Type': 'application/json', ...headers } : headers, agent: false, timeout: 10_000 }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', (error) => resolve({ error: error.message }));
      req.end(method === 'POST' ? '{}' : undefined);
    });
  }

  it('closes the connection of every answer without the token, a wrong token too', async () => {
    expect(await once('/', 'GET', { Connection: 'keep-alive' })).toMatchObject({ status: 200, connection: 'close' });
    expect(await once('/api/rpc/accounts.list', 'POST', { Connection: 'keep-alive', Authorization: 'Bearer wrong-token-0123456789abcdef' })).toMatchObject({ status: 401, connection: 'close' });
    const operator = await once('/api/rpc/accounts.list', 'POST', { Connection: 'keep-alive', Authorization: `Bearer ${TOKEN}` });
    expect(operator).toMatchObject({ status: 200 });
    expect(operator).not.toMatchObject({ connection: 'close' });
  });

  it('answers the operator while 256 keep-alive connections of GET / and 256 silent ones hold the panel', async () => {
    const { connect } = await import('node:net');
    const open = (request: string | null) =>
      Promise.all(
        Array.from({ length: 256 }, () => {
          const socket = connect(server.port, '127.0.0.1');
          return new Promise<typeof socket>((resolve) => {
            socket.on('error', () => resolve(socket));
            socket.on('connect', () => {
              if (request) socket.write(request);
              resolve(socket);
            });
          });
        }),
      );
    const flood = [...(await open(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: keep-alive\r\n\r\n`)), ...(await open(null))];
    try {
      const answers = [];
      for (let attempt = 0; attempt < 3; attempt++) answers.push(await once('/api/rpc/accounts.list', 'POST', { Authorization: `Bearer ${TOKEN}` }));
      expect(answers).toEqual([0, 1, 2].map(() => expect.objectContaining({ status: 200 })));
    } finally {
      for (const socket of flood) socket.destroy();
    }
  });
});
