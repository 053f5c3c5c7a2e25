/**
 * `npm run serve`: the headless web mode. The same core and the same built
 * renderer as the desktop app, served on loopback behind a token.
 * Prints exactly one line with the address (tests and operators parse it), then one for /metrics.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCore, loadConfig, type Core } from './core';
import { hostSettingsReader } from './core/config';
import { createFileLogger } from './core/logger';
import { HOST_SETTINGS } from '@shared/host-settings';
import { rawSetting } from '@shared/settings';
import { createPrivateFile } from './core/secrets/data-dir';
import { createSliceImageBuilder } from './slice-image-builder';
import { startWebServer, type WebServer } from './transport/web';
import { weakTokenWords } from '../http-kit';
import { announceMetricsToken, metricsToken } from './metrics-token';


function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/**
 * Where the panel's address with its token goes (issue 19): printed on a terminal only.
 * Otherwise (a service, a redirect to a file a umask-022 shell makes world-readable) it
 * is written to a 0600 file in the data dir, and stdout and the log say where; the
 * token itself never enters the log.
 */
export const PANEL_URL_FILE = 'panel-url';

function announceAddress(address: string, token: string, dataDir: string, logger: { info(obj: object, msg?: string): void }): void {
  if (process.stdout.isTTY) {
    process.stdout.write(`slicedeck web panel: ${address}?token=${token}\n`);
    return;
  }
  const file = join(dataDir, PANEL_URL_FILE);
  // Replaced each start: an older file of ours goes first, and the new one is created exclusive and no-follow.
  rmSync(file, { force: true });
  const fd = createPrivateFile(file);
  try {
    writeSync(fd, `${address}?token=${token}\n`);
  } finally {
    closeSync(fd);
  }
  process.stdout.write(`slicedeck web panel: ${address} (the address with its token is in ${file}, readable by you only)\n`);
  logger.info({ file }, 'the panel address with its token is in a private file (stdout is not a terminal)');
}

async function main(): Promise<void> {
  let port: number;
  try {
    port = hostSettingsReader(process.env).int(HOST_SETTINGS.port);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const given = rawSetting(process.env, HOST_SETTINGS.token)?.trim();
  const weak = given ? weakTokenWords(given, HOST_SETTINGS.token.env) : null;
  if (weak) fail(`slicedeck will not start with a weak panel token: ${weak}`);
  const token = given || randomBytes(32).toString('base64url');
  const metrics = metricsToken(rawSetting(process.env, HOST_SETTINGS.metricsToken)?.trim(), token);
  if ('refused' in metrics) fail(metrics.refused);
  // out/main/serve.js → out/renderer
  const rendererDir = fileURLToPath(new URL('../renderer', import.meta.url));
  // out/main/serve.js → the repository root (scripts/slice-image.mjs builds the slice image)
  const appRoot = fileURLToPath(new URL('../..', import.meta.url));

  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }

  // One log file for the core and the web transport: <dataDir>/logs/slicedeck.log.
  // A data dir that is not ours (or has a link in it) is refused here, with words.
  let log: ReturnType<typeof createFileLogger>;
  try {
    log = createFileLogger(config);
  } catch (error) {
    fail(`slicedeck could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
  const logger = log.logger.child({ mode: 'web' });

  // The core comes up even when Docker does not answer; the panel shows a banner then.
  let core: Core;
  try {
    core = await createCore({ config, logger, imageBuilder: createSliceImageBuilder({ appRoot, variant: config.imageVariant }) });
  } catch (error) {
    fail(`slicedeck could not start: ${error instanceof Error ? error.message : String(error)}`);
  }

  let server: WebServer;
  try {
    server = await startWebServer({ core, port, token, metricsToken: metrics.token, rendererDir, logger });
  } catch (error) {
    await core.close().catch(() => undefined);
    log.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') fail(`Port ${port} is already in use — set SLICEDECK_PORT to a free port.`);
    if (code === 'EACCES') fail(`Port ${port} needs privileges slicedeck does not have — set SLICEDECK_PORT to a port above 1024.`);
    fail(`The web panel could not start: ${error instanceof Error ? error.message : String(error)}`);
  }

  announceAddress(`http://127.0.0.1:${server.port}/`, token, config.dataDir, logger);
  announceMetricsToken(`http://127.0.0.1:${server.port}/metrics`, metrics.token, config.dataDir, { isTTY: Boolean(process.stdout.isTTY), write: (text) => process.stdout.write(text) }, logger);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close().catch(() => undefined);
    await core.close().catch(() => undefined);
    log.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

void main();
