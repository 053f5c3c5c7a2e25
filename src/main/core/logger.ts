/** The core's default logger: pino, appending to <dataDir>/logs/slicedeck.log. */
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { CoreConfig } from './config';

export interface OwnedLogger {
  logger: Logger;
  /** Flushes and closes the file (only for a logger the core created itself). */
  close(): void;
}

export function createFileLogger(config: CoreConfig): OwnedLogger {
  const destination = pino.destination({ dest: join(config.dataDir, 'logs', 'slicedeck.log'), mkdir: true, sync: false });
  const logger = pino({ level: config.logLevel, base: { pid: process.pid } }, destination);
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
