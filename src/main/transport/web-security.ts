/**
 * The web mode's gatekeeping, kept apart from routing so each rule is readable:
 * the bearer token (timing-safe), the Host header (DNS rebinding) and the Origin
 * header (cross-site requests from other pages in the operator's browser).
 */
import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { CONTENT_SECURITY_POLICY } from '../csp';
import { tokensMatch } from '../../http-kit';

/** Every response of the web mode carries these; the CSP is the desktop app's too (one policy, src/main/csp.ts). */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  // The first page load carries the token in its query string: never pass it on.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

export { tokensMatch } from '../../http-kit';

/**
 * The event stream's cookie (issue 19): EventSource cannot send a header, and a token in
 * its URL ended up in logs. After the first page load with a valid `?token=`, the server
 * sets this HttpOnly, SameSite=Strict cookie for /api; the page's script never sees it.
 * Its value is derived from the token (HMAC), so the cookie jar holds no bearer token.
 */
export const EVENTS_COOKIE = 'slicedeck_events';

export function eventsCookieValue(token: string): string {
  return createHmac('sha256', token).update('slicedeck event-stream cookie').digest('base64url');
}

export function eventsCookieHeader(token: string): string {
  return `${EVENTS_COOKIE}=${eventsCookieValue(token)}; HttpOnly; SameSite=Strict; Path=/api`;
}

/** True when the request carries the event stream's cookie for `token`. */
export function hasEventsCookie(req: IncomingMessage, token: string): boolean {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return false;
  const expected = eventsCookieValue(token);
  return header.split(';').some((part) => {
    const [name, ...rest] = part.trim().split('=');
    return name === EVENTS_COOKIE && tokensMatch(rest.join('='), expected);
  });
}

/** The `host:port` values a browser legitimately sends to this server. */
export function allowedHosts(bindHost: string, port: number): Set<string> {
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  if (bindHost !== '0.0.0.0' && bindHost !== '::') hosts.add(`${bindHost.includes(':') ? `[${bindHost}]` : bindHost}:${port}`);
  return hosts;
}

export function hostIsAllowed(req: IncomingMessage, hosts: Set<string>): boolean {
  const host = req.headers.host?.toLowerCase();
  return host !== undefined && hosts.has(host);
}

/** An Origin header, when present, must be this server's own origin (any of its allowed hosts). */
export function originIsAllowed(req: IncomingMessage, hosts: Set<string>): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  return parsed.protocol === 'http:' && parsed.pathname === '/' && hosts.has(parsed.host.toLowerCase());
}
