/**
 * The desktop window loads the built renderer from `app://slicedeck/…` rather than
 * `file://`: a custom protocol lets every page carry a Content-Security-Policy
 * header (file:// responses never pass through webRequest), gives the app one
 * origin to trust, and confines what the window can read to out/renderer.
 * Plain Node here; the shell registers it with Electron's `protocol.handle`.
 */
import { isAbsolute, join, relative, resolve } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'slicedeck';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * Scripts and styles only from the app itself; images also as data: (QR codes are
 * drawn as SVG/canvas, avatars may be data URLs); no network access beyond the app
 * (the renderer talks to the host over IPC only), no plugins, no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The file an `app://slicedeck/<path>` request may read, or null when it points outside the renderer. */
export function rendererFileFor(requestUrl: string, rendererDir: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const root = resolve(rendererDir);
  const file = resolve(join(root, pathname === '/' ? 'index.html' : pathname));
  const inside = relative(root, file);
  if (!inside || inside.startsWith('..') || isAbsolute(inside)) return null;
  return file;
}
