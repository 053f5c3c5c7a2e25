import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, CONTENT_SECURITY_POLICY, rendererFileFor } from '../../src/main/app-protocol';

const rendererDir = resolve('/opt/slicedeck/out/renderer');

describe('what the app:// protocol may serve', () => {
  it('serves the entry page and its assets from the renderer folder', () => {
    expect(rendererFileFor(APP_ENTRY_URL, rendererDir)).toBe(join(rendererDir, 'index.html'));
    expect(rendererFileFor('app://slicedeck/', rendererDir)).toBe(join(rendererDir, 'index.html'));
    expect(rendererFileFor('app://slicedeck/assets/index-abc.js?v=1#x', rendererDir)).toBe(join(rendererDir, 'assets', 'index-abc.js'));
  });

  it('never serves a file outside the renderer folder', () => {
    // The URL parser already folds "/../" and "/%2e%2e/" into the path (it stays inside);
    // encoded slashes survive parsing and must be refused here.
    expect(rendererFileFor('app://slicedeck/../main/index.js', rendererDir)).toBe(join(rendererDir, 'main', 'index.js'));
    expect(rendererFileFor('app://slicedeck/%2e%2e/%2e%2e/package.json', rendererDir)).toBe(join(rendererDir, 'package.json'));
    for (const url of [
      'app://slicedeck/assets/..%2f..%2f..%2fmain%2findex.js',
      'app://slicedeck/..%2f..%2fpackage.json',
      'app://slicedeck/%00index.html',
      'app://slicedeck/%E0%A4%A',
    ]) {
      expect(rendererFileFor(url, rendererDir), url).toBeNull();
    }
  });

  it('answers only its own scheme and host', () => {
    expect(rendererFileFor('app://elsewhere/index.html', rendererDir)).toBeNull();
    expect(rendererFileFor('file:///opt/slicedeck/out/renderer/index.html', rendererDir)).toBeNull();
    expect(rendererFileFor('not a url', rendererDir)).toBeNull();
  });

  it('sends a policy that allows only the app’s own scripts and no framing', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*unsafe-(inline|eval)/);
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
  });
});
