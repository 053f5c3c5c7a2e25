/** The core's default logger: pino, appending to <dataDir>/logs/slicedeck.log (0600, in a 0700 folder). */
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { CoreConfig } from './config';
import { openPrivateFile, securePrivateDir } from './secrets/data-dir';

export interface OwnedLogger {
  logger: Logger;
  /** Flushes and closes the file (only for a logger the core created itself). */
  close(): void;
}

/** Logs what securePrivateDir had to tighten: an operator should know the folder was open before. */
export function noteTightenedModes(logger: Pick<Logger, 'warn'>, fixed: string[]): void {
  if (fixed.length === 0) return;
  logger.warn({ fixed }, 'the data dir was readable by other users; its modes were tightened (folders 0700, files 0600)');
}

export function createFileLogger(config: CoreConfig): OwnedLogger {
  const fixed = securePrivateDir(config.dataDir);
  const file = join(config.dataDir, 'logs', 'slicedeck.log');
  // Opened here, no-follow and checked to be ours (a planted symlink is refused), and handed
  // to pino as a descriptor: pino would otherwise open the path itself, following links.
  const destination = pino.destination({ fd: openPrivateFile(file, 'append'), sync: false });
  const logger = pino({ level: config.logLevel, base: { pid: process.pid } }, destination);
  noteTightenedModes(logger, fixed);
  return {
    logger,
    close() {
      try {
        destination.flushSync();
      } catch {
        // Not yet open (nothing was written): nothing to flush.
      }
      destination.end();
    },
  };
}
