/**
 * The web shim: the same `Transport` the desktop preload exposes, carried over
 * HTTP RPC and server-sent events. Used when the panel is opened in a browser
 * from `npm run serve`.
 */
import type { AppEvent, Envelope } from '@shared/contract';
import type { Transport } from '@shared/client';
import type { WireError } from '@shared/errors';

const TOKEN_KEY = 'slicedeck.token';

/**
 * Takes the token from `?token=` on the first load, keeps it for this tab only,
 * and removes it from the address bar so it is not bookmarked, shared or logged.
 */
export function takeToken(win: Window = window): string | null {
  const url = new URL(win.location.href);
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) {
    win.sessionStorage.setItem(TOKEN_KEY, fromQuery);
    url.searchParams.delete('token');
    win.history.replaceState(win.history.state, '', `${url.pathname}${url.search}${url.hash}`);
    return fromQuery;
  }
  return win.sessionStorage.getItem(TOKEN_KEY);
}

export type StreamState = 'connecting' | 'open' | 'lost';

export interface WebTransport extends Transport {
  /** Called on every (re)connect of the event stream, and when it drops. */
  onStreamState(listener: (state: StreamState) => void): () => void;
}

const MISSING_TOKEN: WireError = {
  code: 'unauthorized',
  message: 'This page was opened without its token. Open the full address slicedeck printed when it started (it ends in ?token=…).',
};

export function createWebTransport(token: string | null, base = ''): WebTransport {
  const listeners = new Set<(event: AppEvent) => void>();
  const stateListeners = new Set<(state: StreamState) => void>();
  let source: EventSource | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let retryDelay = 500;
  let state: StreamState = 'connecting';

  const setState = (next: StreamState) => {
    state = next;
    for (const listener of [...stateListeners]) listener(next);
  };

  // The stream is authorised by an HttpOnly cookie the server set on the first load (no
  // token in its URL, where logs and histories would keep it). A cookie lost since (another
  // server, a restarted browser) is asked for again with the token before each retry.
  let renewCookie = false;
  let renewing: Promise<void> | null = null;
  const renewSession = async () => {
    try {
      await fetch(`${base}/api/session`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    } catch {
      // The server is away: the retry below finds out again.
    }
  };

  // EventSource reconnects by itself on a dropped stream, but gives up for good on
  // an HTTP error (e.g. the server restarted and refused a moment): then we retry with backoff.
  const open = () => {
    if (!token || source || renewing) return;
    if (renewCookie) {
      renewCookie = false;
      renewing = renewSession().then(() => {
        renewing = null;
        open();
      });
      return;
    }
    const stream = new EventSource(`${base}/api/events`);
    source = stream;
    stream.onopen = () => {
      retryDelay = 500;
      setState('open');
    };
    stream.onmessage = (message: MessageEvent<string>) => {
      let event: AppEvent;
      try {
        event = JSON.parse(message.data) as AppEvent;
      } catch {
        return;
      }
      for (const listener of [...listeners]) listener(event);
    };
    stream.onerror = () => {
      if (state !== 'lost') setState('lost');
      if (stream.readyState === EventSource.CLOSED) {
        source = null;
        renewCookie = true;
        if (listeners.size > 0 && !retryTimer) {
          retryTimer = setTimeout(() => {
            retryTimer = null;
            open();
          }, retryDelay);
          retryDelay = Math.min(retryDelay * 2, 10_000);
        }
      }
    };
  };

  const close = () => {
    source?.close();
    source = null;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
  };

  return {
    async invoke(name, input) {
      if (!token) return { ok: false, error: MISSING_TOKEN };
      let response: Response;
      try {
        response = await fetch(`${base}/api/rpc/${encodeURIComponent(name)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        return {
          ok: false,
          error: { code: 'internal', message: 'The slicedeck server did not answer. Check that "npm run serve" is still running, then try again.' },
        };
      }
      try {
        return (await response.json()) as Envelope<unknown>;
      } catch {
        return { ok: false, error: { code: 'internal', message: `The slicedeck server sent an unreadable answer (HTTP ${response.status}). Try again.` } };
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      open();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) close();
      };
    },
    onStreamState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
  };
}
