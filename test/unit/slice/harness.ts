/**
 * Runs a real slice (the same app `main.ts` starts) in-process on an ephemeral
 * loopback port, with tiny timings, and speaks to it over real HTTP and SSE.
 */
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSliceApp, type SliceApp } from '../../../src/slice/app';
import { loadSliceConfig } from '../../../src/slice/config';
import type { LogEntry } from '../../../src/slice/instance-manager';
import type { SliceEvent } from '@shared/slice-protocol';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

/** Tiny timings: codes (first and later) live 300 ms, 5 contacts 10 ms apart, fast restarts. */
export const FAST_ENV: Record<string, string> = {
  SLICE_TOKEN: TEST_TOKEN,
  SLICE_DRIVER: 'simulated',
  SLICE_INSTANCE_ID: 'unit-test',
  QR_CODES: '3',
  QR_FIRST_TTL_MS: '300',
  QR_TTL_MS: '300',
  SIM_CONTACTS: '5',
  SIM_CONTACT_INTERVAL_MS: '10',
  SIM_LINK_DELAY_MS: '10',
  SIM_BOOT_DELAY_MS: '5',
  RESTART_BACKOFF_MS: '10',
  MAX_RESTARTS_PER_WINDOW: '5',
  WINDOW_MINUTES: '10',
  READY_TIMEOUT_MS: '2000',
};

export interface Answer<T = unknown> {
  status: number;
  body: T;
}

export interface RunningSlice {
  app: SliceApp;
  port: number;
  logs: LogEntry[];
  request<T = unknown>(method: string, path: string, options?: { body?: unknown; rawBody?: string; token?: string | null }): Promise<Answer<T>>;
  events(): Promise<EventTap>;
  close(): Promise<void>;
}

export async function startSlice(env: Record<string, string> = {}, options: { heartbeatMs?: number } = {}): Promise<RunningSlice> {
  // Each slice its own "volume" for the saved session (the stand-in writes where LocalAuth would).
  const config = loadSliceConfig({ AUTH_BASE_DIR: mkdtempSync(join(tmpdir(), 'slice-auth-')), ...FAST_ENV, ...env });
  const logs: LogEntry[] = [];
  const app = await createSliceApp(config, { log: (entry) => logs.push(entry), ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}) });
  const { port } = await app.server.listen(0, '127.0.0.1');
  const taps: EventTap[] = [];
  return {
    app,
    port,
    logs,
    request: (method, path, opts = {}) => request(port, method, path, opts),
    async events() {
      const tap = await EventTap.open(port, TEST_TOKEN);
      taps.push(tap);
      return tap;
    },
    async close() {
      for (const tap of taps) tap.close();
      await app.close();
    },
  };
}

export function request<T>(port: number, method: string, path: string, opts: { body?: unknown; rawBody?: string; token?: string | null } = {}): Promise<Answer<T>> {
  return new Promise((resolve, reject) => {
    const payload = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const headers: http.OutgoingHttpHeaders = {};
    const token = opts.token === undefined ? TEST_TOKEN : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, body: body as T });
      });
    });
    req.on('error', (error) => {
      // A server refusing an oversized body may close before we finish writing.
      reject(error);
    });
    req.end(payload);
  });
}

/** A live SSE subscription that records every named event and every comment line. */
export class EventTap {
  readonly received: SliceEvent[] = [];
  comments = 0;
  private waiters: { predicate: (e: SliceEvent) => boolean; resolve: (e: SliceEvent) => void }[] = [];
  private req!: http.ClientRequest;

  static open(port: number, token: string): Promise<EventTap> {
    const tap = new EventTap();
    return new Promise((resolve, reject) => {
      tap.req = http.get({ host: '127.0.0.1', port, path: '/api/events', headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, agent: false }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`event stream answered ${res.statusCode}`));
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            tap.onFrame(frame);
          }
        });
        resolve(tap);
      });
      tap.req.on('error', () => undefined);
    });
  }

  private onFrame(frame: string): void {
    let type = 'message';
    let data = '';
    for (const line of frame.split('\n')) {
      if (line.startsWith(':')) this.comments++;
      else if (line.startsWith('event: ')) type = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (!data) return;
    const event = { type, data: JSON.parse(data) } as SliceEvent;
    this.received.push(event);
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(event)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  }

  /** Resolves with the first event (already received or future) that matches; bounded in time. */
  waitFor<K extends SliceEvent['type']>(
    type: K,
    predicate: (data: Extract<SliceEvent, { type: K }>['data']) => boolean = () => true,
    { timeoutMs = 5_000, from = 0 }: { timeoutMs?: number; from?: number } = {},
  ): Promise<Extract<SliceEvent, { type: K }>['data']> {
    const matches = (event: SliceEvent) => event.type === type && predicate(event.data as never);
    const seen = this.received.slice(from).find(matches);
    if (seen) return Promise.resolve(seen.data as never);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no ${type} event within ${timeoutMs} ms; got: ${this.received.map((e) => e.type).join(', ')}`));
      }, timeoutMs);
      const waiter = {
        predicate: matches,
        resolve: (event: SliceEvent) => {
          clearTimeout(timer);
          resolve(event.data as never);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Waits for the instance to reach a state (via `state` events). */
  waitForState(state: string, options: { timeoutMs?: number; from?: number } = {}) {
    return this.waitFor('state', (data) => data.state === state, options);
  }

  /** The position to pass as `from` to wait only for events that come after now. */
  mark(): number {
    return this.received.length;
  }

  ofType<K extends SliceEvent['type']>(type: K): Extract<SliceEvent, { type: K }>['data'][] {
    return this.received.filter((e) => e.type === type).map((e) => e.data as never);
  }

  close(): void {
    this.req.destroy();
  }
}
