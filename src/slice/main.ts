/**
 * The slice's entry point inside its container: reads the environment
 * (`SLICE_ENV`), starts the server, and on SIGTERM/SIGINT (the host's graceful
 * stop: `docker stop`, delivered by docker-init, PID 1) closes the WhatsApp client
 * and its Chromium the way a person closes a browser — whatsapp-web.js
 * `client.destroy()` → puppeteer `browser.close()`, which makes Chromium write
 * what it keeps lazily (localStorage, a just-linked session) into the profile on
 * the account's volume — then exits 0. Bounded by SHUTDOWN_MS, below the host's
 * grace: past it the slice exits SLICE_SHUTDOWN_TIMEOUT_EXIT by itself rather
 * than wait for the SIGKILL. An error nobody handled is logged and exits non-zero
 * (crash-guard.ts), so the host's restart ladder takes over instead of a
 * half-broken client living on.
 */
import { SLICE_SHUTDOWN_TIMEOUT_EXIT } from '@shared/slice-protocol';
import { createSliceApp } from './app';
import { loadSliceConfig, SliceConfigError, waitForTokenFile } from './config';
import { jsonLineLogger } from './instance-manager';
import { installCrashGuard } from './crash-guard';
import { removeStaleTokenFiles } from './stale-tokens';
import { SLICE_ENV } from '@shared/slice-protocol';

// First thing: an error nobody handles, from here on, is logged and ends the process non-zero.
installCrashGuard(process, jsonLineLogger);

async function main(): Promise<void> {
  let config;
  try {
    await waitForTokenFile(process.env);
    config = loadSliceConfig(process.env);
  } catch (error) {
    if (error instanceof SliceConfigError) {
      process.stderr.write(`slicedeck slice: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const tokenFile = process.env[SLICE_ENV.tokenFile]?.trim();
  if (tokenFile) {
    const removed = removeStaleTokenFiles(tokenFile);
    if (removed.length > 0) jsonLineLogger({ event: 'stale_tokens_removed', count: removed.length });
  }
  const app = await createSliceApp(config, { log: jsonLineLogger });
  // The container's own address only: docker-proxy and the published port reach it
  // there; nothing inside the container (Chromium included) finds it on 127.0.0.1.
  const address = await app.server.listen(config.port, config.listenHost);
  jsonLineLogger({ event: 'listening', host: address.address, port: address.port, driver: config.driver, instanceId: config.instanceId });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const since = Date.now();
    jsonLineLogger({ event: 'stopping', signal, boundMs: config.shutdownMs });
    // Exit by itself, with a code that says so, rather than be killed by the engine after its grace.
    setTimeout(() => {
      jsonLineLogger({ event: 'stop_timed_out', ms: Date.now() - since });
      process.exit(SLICE_SHUTDOWN_TIMEOUT_EXIT);
    }, config.shutdownMs).unref();
    app.close().then(
      () => {
        jsonLineLogger({ event: 'stopped', ms: Date.now() - since });
        process.exit(0);
      },
      (error: unknown) => {
        jsonLineLogger({ event: 'stop_failed', ms: Date.now() - since, error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`slicedeck slice: could not start: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
