/**
 * The slice client against a real local HTTP server standing in for a slice's
 * edge cases (the real slice is exercised by the integration tests).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SliceClient, SliceProtocolError } from '../../../src/main/core/slice-client';
import type { SliceEvent } from '@shared/slice-protocol';

const servers: http.Server[] = [];
const clients: SliceClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function client(port: number, token = 'tok'): SliceClient {
  const c = new SliceClient({ port, token });
  clients.push(c);
  return c;
}

describe('SliceClient', () => {
  it('waits for a real 200 from /health, not just an open port', async () => {
    let calls = 0;
    const port = await serve((req, res) => {
      calls++;
      if (calls < 4) return void res.writeHead(503).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, driver: 'simulated', instanceId: 'x', uptimeMs: 1 }));
    });
    const health = await client(port).waitForHealth({ timeoutMs: 5_000, intervalMs: 5 });
    expect(health.ok).toBe(true);
    expect(calls).toBe(4);
  });

  it('gives up on health at the stage timeout with words', async () => {
    const port = await serve((req, res) => void res.writeHead(503).end());
    await expect(client(port).waitForHealth({ timeoutMs: 200, intervalMs: 10 })).rejects.toMatchObject({ code: 'timeout', message: expect.stringMatching(/did not answer its health check/) });
  });

  it('sends the bearer token and passes a 409 on as conflict with the slice’s words', async () => {
    let auth: string | undefined;
    const port = await serve((req, res) => {
      auth = req.headers.authorization;
      res.writeHead(409, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'No code is on screen to scan.' }));
    });
    await expect(client(port, 'sekret').simScan()).rejects.toMatchObject({ code: 'conflict', message: 'The slice said: No code is on screen to scan.' });
    expect(auth).toBe('Bearer sekret');
  });

  it('maps the slice’s answers about the request to 4xx codes and its own failures to slice_failed', async () => {
    const answers: Record<string, [number, string]> = {
      '/api/chats/1%40c.us/messages': [404, 'There is no chat 1@c.us on this account.'],
      '/api/messages': [400, 'text: Write a message first.'],
      '/api/status': [500, 'The slice hit an unexpected error.'],
      '/api/chats': [401, 'The bearer token is not this slice’s token.'],
    };
    const port = await serve((req, res) => {
      const [status, error] = answers[req.url ?? ''] ?? [418, 'unexpected path'];
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error }));
    });
    const c = client(port);
    await expect(c.messages('1@c.us')).rejects.toMatchObject({ code: 'not_found', message: 'The slice said: There is no chat 1@c.us on this account.' });
    await expect(c.send({ chatId: '1@c.us', text: 'x' })).rejects.toMatchObject({ code: 'invalid_input', message: 'The slice said: text: Write a message first.' });
    // The slice's own failure, or a token the slice does not accept, is the slice failing: 502.
    await expect(c.status()).rejects.toMatchObject({ code: 'slice_failed', message: expect.stringMatching(/^The slice refused GET \/api\/status: The slice said: The slice hit/) });
    await expect(c.chats()).rejects.toMatchObject({ code: 'slice_failed' });
  });

  it('bounds a health probe by a deadline, even against a slice that keeps trickling bytes', async () => {
    const trickles: NodeJS.Timeout[] = [];
    const port = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // Never an end, but never idle either: an idle-socket timeout alone would wait forever.
      trickles.push(setInterval(() => res.write(' '), 50));
    });
    try {
      expect(await client(port).health(300)).toBeNull();
    } finally {
      for (const trickle of trickles) clearInterval(trickle);
    }
  }, 5_000);

  it('answers slice_unavailable when nothing listens', async () => {
    const port = await serve(() => undefined);
    servers.pop()!.close();
    await expect(client(port).status()).rejects.toMatchObject({ code: 'slice_unavailable' });
  });

  it('follows the event stream, reconnects a bounded number of times, then gives up', async () => {
    let connections = 0;
    const port = await serve((req, res) => {
      connections++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`: hi\n\nevent: contacts\ndata: {"count":${connections},"done":false}\n\n`);
      res.end(); // the stream drops at once: the client must reconnect
    });
    const events: SliceEvent[] = [];
    const gaveUp = new Promise<Error>((resolve) => {
      client(port).subscribe((event) => events.push(event), { maxReconnects: 2, reconnectDelayMs: 5, onGiveUp: resolve });
    });
    // Each reopen resets the failure count; once two streams were seen, close the server so reconnects fail.
    await new Promise<void>((resolve, reject) => {
      let tries = 0;
      const check = () => (events.length >= 2 ? resolve() : ++tries > 400 ? reject(new Error('no reconnect seen')) : setTimeout(check, 5));
      check();
    });
    const server = servers.pop()!;
    server.closeAllConnections();
    server.close();
    const error = await gaveUp;
    expect(error).toBeInstanceOf(Error);
    expect(events[0]).toEqual({ type: 'contacts', data: { count: 1, done: false } });
    expect(events.every((e) => e.type === 'contacts')).toBe(true);
  });
});

describe('SliceClient against a slice that breaks the protocol', () => {
  function watching(port: number) {
    const violations: SliceProtocolError[] = [];
    const c = new SliceClient({ port, token: 'tok', onViolation: (error) => violations.push(error) });
    clients.push(c);
    return { c, violations };
  }

  it('skips events it does not know, and drops the stream for good at an event of the wrong shape', async () => {
    let connections = 0;
    const port = await serve((req, res) => {
      connections++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: from-the-future\ndata: {"x":1}\n\n');
      res.write('event: contacts\ndata: {"count":2,"done":false}\n\n');
      res.write('event: qr\ndata: {"payload":42}\n\n');
      res.write('event: contacts\ndata: {"count":3,"done":false}\n\n');
    });
    const { c, violations } = watching(port);
    const events: SliceEvent[] = [];
    const gaveUp = new Promise<Error>((resolve) => c.subscribe((event) => events.push(event), { maxReconnects: 5, reconnectDelayMs: 5, onGiveUp: resolve }));
    const error = await gaveUp;
    expect(error).toBeInstanceOf(SliceProtocolError);
    expect(error.message).toMatch(/the event stream: an event that does not follow the protocol \(qr\.payload/);
    expect(violations).toHaveLength(1);
    // Only the valid event before the breach got through; nothing after it; no reconnect.
    expect(events).toEqual([{ type: 'contacts', data: { count: 2, done: false } }]);
    expect(connections).toBe(1);
  });

  /** A stream that writes `frame` as fast as the socket takes it, at most `max` times. */
  function pour(frame: string, max: number): http.RequestListener {
    return (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let sent = 0;
      const more = () => {
        while (sent < max && !res.destroyed) {
          sent++;
          if (!res.write(frame)) return void res.once('drain', more);
        }
        if (sent >= max) res.end();
      };
      more();
    };
  }

  async function breachOf(port: number, budget: { eventsPerSecond: number; bytesPerSecond: number }) {
    const violations: SliceProtocolError[] = [];
    const c = new SliceClient({ port, token: 'tok', onViolation: (error) => violations.push(error), budget });
    clients.push(c);
    const events: SliceEvent[] = [];
    const error = await new Promise<Error>((resolve) => c.subscribe((event) => events.push(event), { maxReconnects: 0, onGiveUp: resolve }));
    return { error, violations, events };
  }

  it('drops a stream that sends more events a second than its budget, with words', async () => {
    const port = await serve(pour(`event: disconnected\ndata: ${JSON.stringify({ reason: 'r'.repeat(100) })}\n\n`, 50_000));
    const { error, violations, events } = await breachOf(port, { eventsPerSecond: 100, bytesPerSecond: 1024 * 1024 * 1024 });
    expect(error).toBeInstanceOf(SliceProtocolError);
    expect(error.message).toMatch(/the event stream: more than 100 events a second for 10 s, over its budget \(SLICEDECK_SLICE_EVENTS_PER_SECOND\)/);
    expect(violations).toHaveLength(1);
    // The burst (100 × 10 s) got through, and not much more: a loaded machine refills a little.
    expect(events.length).toBeGreaterThanOrEqual(1_000);
    expect(events.length).toBeLessThan(50_000);
  });

  it('drops a stream that sends more bytes a second than its budget, unknown events counted too', async () => {
    const port = await serve(pour(`event: from-the-future\ndata: "${'x'.repeat(1024 * 1024)}"\n\n`, 200));
    const { error, events } = await breachOf(port, { eventsPerSecond: 1_000_000, bytesPerSecond: 1024 * 1024 });
    expect(error.message).toMatch(/the event stream: more than 1 MiB a second for 10 s, over its budget \(SLICEDECK_SLICE_BYTES_PER_SECOND\)/);
    expect(events).toEqual([]);
  });

  it('drops the stream when its handler finds a breach of its own, and not for any other handler error', async () => {
    const port = await serve(pour('event: contacts\ndata: {"count":1,"done":false}\n\n', 10));
    const violations: SliceProtocolError[] = [];
    const c = new SliceClient({ port, token: 'tok', onViolation: (error) => violations.push(error) });
    clients.push(c);
    let seen = 0;
    const error = await new Promise<Error>((resolve) =>
      c.subscribe(
        () => {
          seen++;
          if (seen === 1) throw new Error('a handler bug');
          if (seen === 3) throw new SliceProtocolError('over a budget of the handler');
        },
        { maxReconnects: 0, onGiveUp: resolve },
      ),
    );
    expect(error.message).toBe('the event stream: over a budget of the handler');
    expect(violations).toHaveLength(1);
    expect(seen).toBe(3);
  });

  it('counts unknown events toward the events budget', async () => {
    const port = await serve(pour('event: from-the-future\ndata: {}\n\n', 50_000));
    const { error } = await breachOf(port, { eventsPerSecond: 100, bytesPerSecond: 1024 * 1024 * 1024 });
    expect(error.message).toMatch(/more than 100 events a second/);
  });

  it('refuses an answer of the wrong shape with words, and reports it', async () => {
    const port = await serve((req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([{ id: 1, name: 'no' }])));
    const { c, violations } = watching(port);
    await expect(c.chats()).rejects.toMatchObject({ code: 'slice_failed', message: expect.stringMatching(/malformed answer to GET \/api\/chats/) });
    expect(violations).toHaveLength(1);
  });

  it('refuses an answer over the limit, declared or not, without reading it all', async () => {
    const port = await serve((req, res) => {
      if (req.url === '/api/chats') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) });
        return void res.write('[');
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      const piece = 'x'.repeat(64 * 1024);
      const more = () => {
        while (!res.destroyed && res.write(piece));
        if (!res.destroyed) res.once('drain', more);
      };
      more();
    });
    const { c, violations } = watching(port);
    await expect(c.chats()).rejects.toMatchObject({ code: 'slice_failed', message: expect.stringMatching(/an answer of 52428800 bytes, more than the 1048576 allowed/) });
    await expect(c.messages('1@c.us')).rejects.toMatchObject({ code: 'slice_failed', message: expect.stringMatching(/an answer longer than the 1048576 bytes allowed/) });
    expect(violations).toHaveLength(2);
  });

  it('lets the media route answer up to the media limit in base64, and no further; a file that is not as large as it says is refused', async () => {
    const limit = 2 * 1024 * 1024;
    const file = Buffer.alloc(limit, 7);
    let answer: 'whole' | 'flood' | 'liar' = 'whole';
    const port = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (answer === 'whole') return void res.end(JSON.stringify({ mimetype: 'application/pdf', fileName: 'a.pdf', size: limit, data: file.toString('base64') }));
      if (answer === 'liar') return void res.end(JSON.stringify({ mimetype: 'image/jpeg', size: 10, data: Buffer.alloc(11).toString('base64') }));
      res.write('{"mimetype":"image/jpeg","size":1,"data":"');
      const piece = 'A'.repeat(64 * 1024);
      const more = () => {
        while (!res.destroyed && res.write(piece));
        if (!res.destroyed) res.once('drain', more);
      };
      more();
    });
    const { c, violations } = watching(port);
    // Twice the host's 1 MiB cap on other answers, within the 2 MiB media limit: it comes whole.
    const got = await c.media('1@c.us', 'false_1@c.us_ABC', limit);
    expect(Buffer.from(got.data, 'base64').equals(file)).toBe(true);
    expect(violations).toHaveLength(0);
    answer = 'flood';
    await expect(c.media('1@c.us', 'false_1@c.us_ABC', limit)).rejects.toMatchObject({ code: 'slice_failed', message: expect.stringMatching(/an answer longer than the 2812588 bytes allowed/) });
    answer = 'liar';
    await expect(c.media('1@c.us', 'false_1@c.us_ABC', limit)).rejects.toMatchObject({ code: 'slice_failed', message: expect.stringMatching(/says 10 bytes but carries 11/) });
    expect(violations).toHaveLength(2);
  });

  it('asks /health with its token and accepts only a well-formed identity', async () => {
    let auth: string | undefined;
    const port = await serve((req, res) => {
      auth = req.headers.authorization;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
    });
    expect(await watching(port).c.health()).toBeNull();
    expect(auth).toBe('Bearer tok');
  });
});
