import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { allowedHosts, eventsCookieHeader, hasEventsCookie, hostIsAllowed, originIsAllowed, tokensMatch } from '../../src/main/transport/web-security';
import { presentedToken } from '../../src/http-kit';
import { contentTypeOf, resolveInside } from '../../src/main/transport/web-static';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const hosts = allowedHosts('127.0.0.1', 7420);

describe('tokensMatch', () => {
  it('accepts only the exact token, whatever the lengths', () => {
    expect(tokensMatch('abc', 'abc')).toBe(true);
    expect(tokensMatch('abd', 'abc')).toBe(false);
    expect(tokensMatch('ab', 'abc')).toBe(false);
    expect(tokensMatch('', 'abc')).toBe(false);
  });
});

describe('presentedToken, as the web transport asks it (no query allowed)', () => {
  it('reads the Bearer header, and nothing else', () => {
    expect(presentedToken(req({ authorization: 'Bearer h' }))).toBe('h');
    expect(presentedToken(req({}))).toBeNull();
  });
});

describe('the event stream cookie', () => {
  it('is HttpOnly, SameSite=Strict, for /api only, and carries no token', () => {
    const header = eventsCookieHeader('the-panel-token-0123456789abcdef');
    expect(header).toMatch(/^slicedeck_events=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/api$/);
    expect(header).not.toContain('the-panel-token');
  });
  it("is recognised among other cookies, and only for its own token", () => {
    const value = eventsCookieHeader('token-a-0123456789abcdefghij').split(';')[0]!;
    expect(hasEventsCookie(req({ cookie: `other=1; ${value}; x=y` }), 'token-a-0123456789abcdefghij')).toBe(true);
    expect(hasEventsCookie(req({ cookie: value }), 'token-b-0123456789abcdefghij')).toBe(false);
    expect(hasEventsCookie(req({ cookie: 'slicedeck_events=' }), 'token-a-0123456789abcdefghij')).toBe(false);
    expect(hasEventsCookie(req({}), 'token-a-0123456789abcdefghij')).toBe(false);
  });
});

describe('Host and Origin', () => {
  it('accepts loopback names with the right port only', () => {
    expect(hostIsAllowed(req({ host: '127.0.0.1:7420' }), hosts)).toBe(true);
    expect(hostIsAllowed(req({ host: 'localhost:7420' }), hosts)).toBe(true);
    expect(hostIsAllowed(req({ host: 'localhost:80' }), hosts)).toBe(false);
    expect(hostIsAllowed(req({ host: 'evil.example:7420' }), hosts)).toBe(false);
    expect(hostIsAllowed(req({}), hosts)).toBe(false);
  });
  it('accepts no Origin or our own, refuses any other', () => {
    expect(originIsAllowed(req({}), hosts)).toBe(true);
    expect(originIsAllowed(req({ origin: 'http://127.0.0.1:7420' }), hosts)).toBe(true);
    expect(originIsAllowed(req({ origin: 'http://localhost:7420' }), hosts)).toBe(true);
    expect(originIsAllowed(req({ origin: 'http://evil.example' }), hosts)).toBe(false);
    expect(originIsAllowed(req({ origin: 'null' }), hosts)).toBe(false);
    expect(originIsAllowed(req({ origin: 'https://127.0.0.1:7420' }), hosts)).toBe(false);
  });
});

describe('static paths', () => {
  it('maps / to index.html and stays inside the root', () => {
    expect(resolveInside('/srv/r', '/')).toBe('/srv/r/index.html');
    expect(resolveInside('/srv/r', '/assets/a.js')).toBe('/srv/r/assets/a.js');
    expect(resolveInside('/srv/r', '/../etc/passwd')).toBeNull();
    expect(resolveInside('/srv/r', '/%2e%2e/etc/passwd')).toBeNull();
    expect(resolveInside('/srv/r', '/a%00b')).toBeNull();
    expect(resolveInside('/srv/r', '/%E0%A4%A')).toBeNull();
    expect(resolveInside('/srv/r', '/..%5c..%5cwin.ini')).toBeNull();
  });
  it('knows the content types the renderer uses', () => {
    expect(contentTypeOf('a.js')).toMatch(/^text\/javascript/);
    expect(contentTypeOf('a.css')).toMatch(/^text\/css/);
    expect(contentTypeOf('a.svg')).toBe('image/svg+xml');
    expect(contentTypeOf('a.bin')).toBe('application/octet-stream');
  });
});
