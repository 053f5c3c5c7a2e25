/**
 * The web mode's gatekeeping, kept apart from routing so each rule is readable:
 * the bearer token (timing-safe), the Host header (DNS rebinding) and the Origin
 * header (cross-site requests from other pages in the operator's browser).
 */
import type { IncomingMessage } from 'node:http';
import { CONTENT_SECURITY_POLICY } from '../csp';
import { presentedToken as kitPresentedToken } from '../../http-kit';

/** Every response of the web mode carries these; the CSP is the desktop app's too (one policy, src/main/csp.ts). */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  // The first page load carries the token in its query string: never pass it on.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

export { tokensMatch } from '../../http-kit';

/** The token a request presents: the Bearer header, or `?token=` where that is allowed. */
export function presentedToken(req: IncomingMessage, url: URL, allowQuery: boolean): string | null {
  return kitPresentedToken(req, allowQuery ? url : undefined);
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
