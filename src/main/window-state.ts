/**
 * The window's remembered size and position: a small JSON file in the data dir.
 * Plain Node (no Electron) so the shell only passes bounds in and out.
 * Private like everything else in the data dir (core/secrets/data-dir.ts): a file
 * made 0644 here would be "tightened" — and logged — at every start.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './core/secrets/data-dir';

export interface WindowBounds {
  width: number;
  height: number;
  x?: number;
  y?: number;
}

export const DEFAULT_BOUNDS: WindowBounds = { width: 1180, height: 780 };
const MIN = { width: 760, height: 520 };

export function windowStateFile(dataDir: string): string {
  return join(dataDir, 'window-state.json');
}

/** A missing or damaged file gives the default size: never a reason not to open. */
export function loadWindowBounds(file: string): WindowBounds {
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<WindowBounds>;
    const width = finite(saved.width) ? Math.max(MIN.width, saved.width) : DEFAULT_BOUNDS.width;
    const height = finite(saved.height) ? Math.max(MIN.height, saved.height) : DEFAULT_BOUNDS.height;
    const position = finite(saved.x) && finite(saved.y) ? { x: saved.x, y: saved.y } : {};
    return { width, height, ...position };
  } catch {
    return { ...DEFAULT_BOUNDS };
  }
}

export function saveWindowBounds(file: string, bounds: WindowBounds): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
    writeFileSync(file, JSON.stringify(bounds), { mode: PRIVATE_FILE_MODE });
    // `mode` applies only when the file is created: one left 0644 by an older version is fixed here too.
    if (process.platform !== 'win32') chmodSync(file, PRIVATE_FILE_MODE);
  } catch {
    // Losing the window size is harmless; failing to quit over it is not.
  }
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
