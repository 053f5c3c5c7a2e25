/**
 * A real core (makeTestCore) behind startWebServer, with a throw-away renderer folder: what
 * the web mode's integration tests share, so each says only what it checks.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startWebServer, type WebServer, type WebServerOptions } from '../../src/main/transport/web';
import { makeTestCore, type TestCore } from './core';

export interface WebRig {
  tc: TestCore;
  server: WebServer;
  rendererDir: string;
  close(): Promise<void>;
}

/** `files`: the renderer folder's files by path (index.html is always there); `server`: more of startWebServer's options. */
export async function startWebRig(token: string, opts: { files?: Record<string, string>; server?: Partial<WebServerOptions> } = {}): Promise<WebRig> {
  const tc = await makeTestCore();
  const rendererDir = mkdtempSync(join(tmpdir(), 'slicedeck-renderer-'));
  for (const [path, text] of Object.entries({ 'index.html': '<!doctype html><title>slicedeck</title>', ...opts.files })) {
    mkdirSync(dirname(join(rendererDir, path)), { recursive: true });
    writeFileSync(join(rendererDir, path), text);
  }
  const server = await startWebServer({ core: tc.core, port: 0, token, rendererDir, ...opts.server });
  return {
    tc,
    server,
    rendererDir,
    async close() {
      await server.close();
      await tc.cleanup();
      rmSync(rendererDir, { recursive: true, force: true });
    },
  };
}
