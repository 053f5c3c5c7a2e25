/**
 * The desktop window loads the built renderer from `app://slicedeck/…` rather than
 * `file://`: a custom protocol lets every page carry a Content-Security-Policy
 * header (file:// responses never pass through webRequest), gives the app one
 * origin to trust, and confines what the window can read to out/renderer.
 * Plain Node here (tested under Node); the shell registers `createAppProtocolHandler`
 * with Electron's `protocol.handle`. It reads files with node:fs, which Electron
 * patches to read inside app.asar, so the installed app serves the same way.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { CONTENT_SECURITY_POLICY } from './csp';
import { contentTypeOf } from './transport/web-static';

export const APP_SCHEME = 'app';
export const APP_HOST = 'slicedeck';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;


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

/**
 * The `protocol.handle` handler: the file under `rendererDir`, or 404 for anything
 * else (outside the folder, missing, a directory) — never a rejected promise, which
 * the page would get as ERR_UNEXPECTED with a stack on stderr. Every response, 404s
 * included, carries the one CSP.
 */
export function createAppProtocolHandler(rendererDir: string): (request: { url: string }) => Promise<Response> {
  const headersFor = (contentType: string) => ({ 'Content-Type': contentType, 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff' });
  const notFound = () => new Response('Not found', { status: 404, headers: headersFor('text/plain; charset=utf-8') });
  return async (request) => {
    const file = rendererFileFor(request.url, rendererDir);
    if (!file) return notFound();
    try {
      if (!(await stat(file)).isFile()) return notFound();
    } catch {
      return notFound();
    }
    const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
    return new Response(body, { status: 200, headers: headersFor(contentTypeOf(file)) });
  };
}
