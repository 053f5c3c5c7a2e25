/**
 * Port choice. SQLite decides which ports slicedeck holds; the OS decides which
 * are free right now (another program, or another slicedeck home on the same
 * engine, may hold one), so a reserved port is also checked bindable.
 */
import { createServer } from 'node:net';
import type { PortRange } from '../config';

/** The lowest port of `range` that is neither held by a slice nor known busy; null when none is left. */
export function choosePort(range: PortRange, held: ReadonlySet<number>, excluded: ReadonlySet<number>): number | null {
  for (let port = range.from; port <= range.to; port++) {
    if (!held.has(port) && !excluded.has(port)) return port;
  }
  return null;
}

export function rangeSize(range: PortRange): number {
  return range.to - range.from + 1;
}

export function formatRange(range: PortRange): string {
  return range.from === range.to ? `${range.from}` : `${range.from}-${range.to}`;
}

/** True when nothing listens on 127.0.0.1:`port` right now (we bind and release at once). */
export function isPortBindable(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}
