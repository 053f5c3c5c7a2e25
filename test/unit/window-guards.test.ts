import { describe, expect, it } from 'vitest';
import { denyAllPermissions, rendererUrl } from '../../src/main/window-guards';

const ENTRY = 'app://slicedeck/index.html';

describe('the desktop window’s guards', () => {
  it('loads the dev server only in an unpackaged app and only on loopback', () => {
    expect(rendererUrl({ ELECTRON_RENDERER_URL: 'http://localhost:5173/' }, false, ENTRY)).toBe('http://localhost:5173/');
    expect(rendererUrl({ ELECTRON_RENDERER_URL: 'http://localhost:5173/' }, true, ENTRY)).toBe(ENTRY);
    expect(rendererUrl({ ELECTRON_RENDERER_URL: 'https://evil.example/' }, false, ENTRY)).toBe(ENTRY);
    expect(rendererUrl({ ELECTRON_RENDERER_URL: 'file:///etc/passwd' }, false, ENTRY)).toBe(ENTRY);
    expect(rendererUrl({ ELECTRON_RENDERER_URL: 'not a url' }, false, ENTRY)).toBe(ENTRY);
    expect(rendererUrl({}, false, ENTRY)).toBe(ENTRY);
  });

  it('answers every permission request and check with no', () => {
    let request: ((wc: unknown, permission: string, callback: (granted: boolean) => void) => void) | undefined;
    let check: ((wc: unknown, permission: string) => boolean) | undefined;
    denyAllPermissions({ setPermissionRequestHandler: (h) => (request = h), setPermissionCheckHandler: (h) => (check = h) });
    const answers: boolean[] = [];
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read']) request!(null, permission, (granted) => answers.push(granted));
    expect(answers).toEqual([false, false, false, false]);
    expect(check!(null, 'media')).toBe(false);
  });
});
