/**
 * The slice's entry point inside its container: reads the environment
 * (`SLICE_ENV`), starts the server, and exits promptly on SIGTERM/SIGINT
 * (Docker's stop, or the host's destroy, must not wait for a timeout). An error
 * nobody handled is logged and exits non-zero (crash-guard.ts), so the host's
 * restart ladder takes over instead of a half-broken client living on.
 */
import { createSliceApp } from './app';
import { loadSliceConfig, SliceConfigError, waitForTokenFile } from './config';
import { jsonLineLogger } from './instance-manager';
import { installCrashGuard } from './crash-guard';
import { removeStaleTokenFiles } from './stale-tokens';
import { SLICE_ENV } from '@shared/slice-protocol';

const SHUTDOWN_GRACE_MS = 1_500;

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
    jsonLineLogger({ event: 'stopping', signal });
    // Exit even if the browser will not close in time.
    setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
    app.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`slicedeck slice: could not start: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
