/**
 * The HTTP layer both servers stand on (src/http-kit), against real sockets:
 * body caps (413), slow bodies (408), header timeouts, the connection cap, tokens, and
 * floods of untokened connections that must not lock the token holder out.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpRefusal, MIN_TOKEN_LENGTH, createLimitedServer, DEFAULT_SERVER_LIMITS, type ServerLimits, hasToken, readJson, sendJson, tokensMatch, trustConnection, weakTokenWords } from '../../src/http-kit';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(limits: { maxBytes: number; timeoutMs: number }, serverLimits: Partial<ServerLimits> = {}): Promise<number> {
  const server = createLimitedServer((req, res) => {
    readJson(req, limits).then(
      (body) => sendJson(res, 200, { body }),
      (error: unknown) => sendJson(res, error instanceof HttpRefusal ? error.status : 500, { error: (error as Error).message }),
    );
  }, { ...DEFAULT_SERVER_LIMITS, ...serverLimits });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Writes raw bytes and collects whatever comes back until the server closes (or `waitMs`). */
function raw(port: number, parts: { text: string; afterMs?: number }[], waitMs = 5_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    const done = () => resolve(answer);
    socket.on('close', done);
    socket.on('error', done);
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('close', () => clearTimeout(timer));
    let at = 0;
    for (const part of parts) {
      at += part.afterMs ?? 0;
      setTimeout(() => socket.writable && socket.write(part.text), at);
    }
  });
}

describe('http-kit bodies', () => {
  it('answers 413 for a declared or an actual body over the cap, and closes the connection', async () => {
    const port = await serve({ maxBytes: 1024, timeoutMs: 5_000 });
    const declared = await raw(port, [{ text: 'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n' }]);
    expect(declared).toMatch(/^HTTP\/1.1 413/);
    expect(declared).toMatch(/larger than 1 KB/);
    expect(declared.toLowerCase()).toContain('connection: close');
    const chunked = await raw(port, [
      { text: 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' },
      { text: `800\r\n${'a'.repeat(0x800)}\r\n` },
    ]);
    expect(chunked).toMatch(/^HTTP\/1.1 413/);
  });

  it('answers 408 to a body that trickles in slower than its deadline', async () => {
    const port = await serve({ maxBytes: 1024, timeoutMs: 300 });
    const answer = await raw(port, [
      { text: 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{"a":' },
      { text: '1', afterMs: 1_000 },
    ]);
    expect(answer).toMatch(/^HTTP\/1.1 408/);
    expect(answer).toMatch(/did not arrive within/);
  });

  it('reads a good body, and refuses bad JSON with 400', async () => {
    const port = await serve({ maxBytes: 1024, timeoutMs: 5_000 });
    const good = await raw(port, [{ text: 'POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 7\r\n\r\n{"a":1}' }]);
    expect(good).toMatch(/^HTTP\/1.1 200/);
    expect(good).toContain('{"body":{"a":1}}');
    const bad = await raw(port, [{ text: 'POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 3\r\n\r\n{a:' }]);
    expect(bad).toMatch(/^HTTP\/1.1 400/);
  });
});

describe('http-kit server limits', () => {
  it('drops a client that never finishes its headers', async () => {
    const port = await serve({ maxBytes: 1024, timeoutMs: 5_000 }, { headersTimeoutMs: 300, requestTimeoutMs: 300, checkIntervalMs: 100 });
    const answer = await raw(port, [{ text: 'GET / HTTP/1.1\r\nHost: x\r\n' }], 10_000);
    // Node answers 408 and closes: the half-open request does not hold the socket.
    expect(answer).toMatch(/^HTTP\/1.1 408/);
  });

  it('refuses connections beyond the cap', async () => {
    const port = await serve({ maxBytes: 1024, timeoutMs: 5_000 }, { maxConnections: 2 });
    const held = [net.connect(port, '127.0.0.1'), net.connect(port, '127.0.0.1')];
    await Promise.all(held.map((socket) => new Promise((resolve) => socket.on('connect', resolve))));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const third = await raw(port, [{ text: 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' }], 3_000);
    expect(third).toBe('');
    for (const socket of held) socket.destroy();
  });
});

describe('http-kit tokens', () => {
  it('matches tokens exactly, from the header or (where allowed) the query', () => {
    expect(tokensMatch('a'.repeat(30), 'a'.repeat(30))).toBe(true);
    expect(tokensMatch('a'.repeat(30), `${'a'.repeat(30)}b`)).toBe(false);
    const req = { headers: { authorization: 'Bearer abc' } } as unknown as http.IncomingMessage;
    expect(hasToken(req, 'abc')).toBe(true);
    const query = { headers: {} } as unknown as http.IncomingMessage;
    expect(hasToken(query, 'abc', new URL('http://x/?token=abc'))).toBe(true);
    expect(hasToken(query, 'abc')).toBe(false);
  });

  it('refuses a short or spaced token with words', () => {
    expect(weakTokenWords('x'.repeat(MIN_TOKEN_LENGTH), 'SLICEDECK_TOKEN')).toBeNull();
    expect(weakTokenWords('short', 'SLICEDECK_TOKEN')).toMatch(/SLICEDECK_TOKEN is 5 characters long; use at least 24/);
    expect(weakTokenWords('has a space in it and is long enough', 'SLICEDECK_TOKEN')).toMatch(/spaces/);
  });
});

const TOKEN = 'a-token-of-at-least-24-characters';

/** Like both servers: an untokened request gets a public answer, a tokened one trusts its connection. */
async function serveWithToken(serverLimits: Partial<ServerLimits> = {}): Promise<number> {
  const server = createLimitedServer((req, res) => {
    if (!hasToken(req, TOKEN)) return sendJson(res, 200, { public: true });
    trustConnection(req, res);
    sendJson(res, 200, { operator: true });
  }, { ...DEFAULT_SERVER_LIMITS, ...serverLimits });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** One GET on a fresh connection; the status and the Connection header, or the error. */
function get(port: number, headers: Record<string, string> = {}, agent: http.Agent | false = false): Promise<{ status: number; connection: string | undefined; body: string; reused: boolean } | { error: string }> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', headers, agent, timeout: 5_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body, reused: request.reusedSocket }));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error) => resolve({ error: error.message }));
  });
}

/** `count` raw connections, each sending `request` (or nothing) and then held open; resolved once all are connected. */
async function flood(port: number, count: number, request: string | null): Promise<net.Socket[]> {
  const sockets = Array.from({ length: count }, () => net.connect(port, '127.0.0.1'));
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          socket.on('error', () => resolve());
          socket.on('connect', () => {
            if (request) socket.write(request);
            resolve();
          });
        }),
    ),
  );
  return sockets;
}

describe('http-kit under a flood of untokened connections', () => {
  it('closes untokened answers and keeps tokened connections alive', async () => {
    const port = await serveWithToken();
    const anonymous = await get(port, { connection: 'keep-alive' });
    expect(anonymous).toMatchObject({ status: 200, connection: 'close' });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get(port, { authorization: `Bearer ${TOKEN}` }, agent);
      expect(first).toMatchObject({ status: 200, body: JSON.stringify({ operator: true }) });
      expect(first).not.toMatchObject({ connection: 'close' });
      // The second call rides the same connection: the server kept it.
      const second = await get(port, { authorization: `Bearer ${TOKEN}` }, agent);
      expect(second).toMatchObject({ status: 200, reused: true });
    } finally {
      agent.destroy();
    }
  });

  it('lets the token holder in while 256 keep-alive connections and 256 silent ones hold the port', async () => {
    const port = await serveWithToken();
    const keepAlive = await flood(port, 256, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    const silent = await flood(port, 256, null);
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        expect(await get(port, { authorization: `Bearer ${TOKEN}` })).toMatchObject({ status: 200, body: JSON.stringify({ operator: true }) });
      }
    } finally {
      for (const socket of [...keepAlive, ...silent]) socket.destroy();
    }
  });

  it('drops a silent untokened connection after its idle time', async () => {
    const port = await serveWithToken({ untrustedIdleMs: 300 });
    const answer = await raw(port, [], 10_000);
    // Closed by the server long before the 10 s the client would wait.
    expect(answer).toBe('');
    const [socket] = await flood(port, 1, null);
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      socket!.on('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    expect(closed).toBe(true);
  });
});
