/**
 * One Content-Security-Policy, one place (src/main/csp.ts): the web mode's headers,
 * the desktop app's app:// responses and the page itself must never disagree — where
 * two policies apply, a browser enforces both, so a stricter copy voids the other's
 * allowances without a word.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAppProtocolHandler } from '../../src/main/app-protocol';
import { CONTENT_SECURITY_POLICY } from '../../src/main/csp';
import { SECURITY_HEADERS } from '../../src/main/transport/web-security';

const rendererDir = mkdtempSync(join(tmpdir(), 'slicedeck-csp-'));
mkdirSync(join(rendererDir, 'assets'));
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>slicedeck</title>');
afterAll(() => rmSync(rendererDir, { recursive: true, force: true }));

const META_CSP = /<meta[^>]+http-equiv\s*=\s*["']?content-security-policy/i;

describe('the Content-Security-Policy', () => {
  it('is the same string in the web headers and the app:// responses', async () => {
    const handler = createAppProtocolHandler(rendererDir);
    const page = await handler({ url: 'app://slicedeck/index.html' });
    const missing = await handler({ url: 'app://slicedeck/assets/missing.js' });
    expect(SECURITY_HEADERS['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(missing.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('is never repeated as a <meta> in the page (source or built)', () => {
    const pages = [resolve('src/renderer/index.html'), resolve('out/renderer/index.html')].filter((file) => existsSync(file));
    expect(pages.length).toBeGreaterThan(0);
    for (const file of pages) expect(readFileSync(file, 'utf8'), file).not.toMatch(META_CSP);
  });

  it('allows the app’s own scripts only, and closes base, forms, plugins and framing', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split(';').map((part) => {
      const [name = '', ...values] = part.trim().split(/\s+/);
      return [name, values] as const;
    }));
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
    expect(directives.get('font-src')).toEqual(["'self'", 'data:']);
    for (const closed of ['object-src', 'base-uri', 'form-action', 'frame-ancestors']) expect(directives.get(closed), closed).toEqual(["'none'"]);
  });
});
