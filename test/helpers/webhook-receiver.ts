/**
 * A real webhook receiver on 127.0.0.1 for the tests and the bench: it refuses (HTTP 503)
 * until told to accept, and keeps every request it was sent, with its headers and body.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  body: string;
  accepted: boolean;
  at: number;
  /** performance.now() on arrival (the bench's clock). */
  t: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedHook[];
  /** The bodies it accepted, parsed, in arrival order. */
  accepted(): { id: string; type: string; accountId: string; at: number; data: unknown }[];
  accepting: boolean;
  close(): Promise<void>;
}

export async function startWebhookReceiver(opts: { accepting?: boolean } = {}): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const state = { accepting: opts.accepting ?? true };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const accepted = state.accepting;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), accepted, at: Date.now(), t: performance.now() });
      res.writeHead(accepted ? 204 : 503).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    accepted: () => received.filter((r) => r.accepted).map((r) => JSON.parse(r.body) as { id: string; type: string; accountId: string; at: number; data: unknown }),
    get accepting() {
      return state.accepting;
    },
    set accepting(value: boolean) {
      state.accepting = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Polls `check` every 50 ms until it holds, at most `timeoutMs` (bounded: a test never waits forever). */
export async function waitUntil(check: () => boolean, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${typeof what === 'string' ? what : what()} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
