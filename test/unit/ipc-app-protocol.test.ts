import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, createAppProtocolHandler, rendererFileFor } from '../../src/main/app-protocol';

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
});

describe('the app:// handler', () => {
  const root = mkdtempSync(join(tmpdir(), 'slicedeck-app-protocol-'));
  const built = join(root, 'renderer');
  mkdirSync(join(built, 'assets'), { recursive: true });
  writeFileSync(join(built, 'index.html'), '<!doctype html><title>slicedeck</title>');
  writeFileSync(join(built, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(root, 'secret.txt'), 'not for the page');
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const handle = createAppProtocolHandler(built);

  it('serves the page and its assets with their content types', async () => {
    const page = await handle({ url: APP_ENTRY_URL });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<title>slicedeck</title>');
    const script = await handle({ url: 'app://slicedeck/assets/index-abc.js' });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('answers 404 (never a rejected promise, which the page gets as ERR_UNEXPECTED) for what is not a file of the renderer', async () => {
    symlinkSync(join(built, 'assets'), join(built, 'a-folder'));
    for (const url of ['app://slicedeck/assets/missing.js', 'app://slicedeck/no/such/page.html', 'app://slicedeck/assets', 'app://slicedeck/a-folder', 'app://slicedeck/..%2fsecret.txt', 'app://elsewhere/index.html']) {
      const response = await handle({ url });
      expect(response.status, url).toBe(404);
      expect(await response.text(), url).toBe('Not found');
    }
  });
});
