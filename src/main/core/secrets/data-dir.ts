/**
 * The data dir holds what opens every linked account (the slice key, the database,
 * the log): only the operator's OS user may read it. The folder is 0700 and its
 * files 0600; an existing folder with looser modes is tightened, and each fix is
 * reported so it can be logged. (POSIX only: on Windows the profile folder's ACLs
 * already keep other users out.)
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** Nothing created while this is in effect is readable by group or others. */
export const PRIVATE_UMASK = 0o077;

const applies = process.platform !== 'win32';

/** Runs `work` under umask 077 (files SQLite or pino create meanwhile are private), then restores it. */
export function withPrivateUmask<T>(work: () => T): T {
  if (!applies) return work();
  const previous = process.umask(PRIVATE_UMASK);
  try {
    return work();
  } finally {
    process.umask(previous);
  }
}

function tighten(path: string, mode: number, fixed: string[]): void {
  const current = statSync(path).mode & 0o777;
  if ((current & ~mode) === 0) return;
  chmodSync(path, mode);
  fixed.push(`${path} was ${current.toString(8).padStart(4, '0')}, now ${mode.toString(8).padStart(4, '0')}`);
}

/**
 * Creates the data dir (and `logs/`) private, or tightens them and every file
 * and folder directly in them. Returns one line per mode it had to fix.
 */
export function securePrivateDir(dir: string, subdirs: readonly string[] = ['logs']): string[] {
  const fixed: string[] = [];
  withPrivateUmask(() => mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE }));
  if (!applies) return fixed;
  tighten(dir, PRIVATE_DIR_MODE, fixed);
  for (const sub of subdirs) {
    const path = join(dir, sub);
    if (!existsSync(path)) withPrivateUmask(() => mkdirSync(path, { mode: PRIVATE_DIR_MODE }));
  }
  for (const folder of [dir, ...subdirs.map((sub) => join(dir, sub))]) {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) tighten(path, PRIVATE_DIR_MODE, fixed);
      else if (entry.isFile()) tighten(path, PRIVATE_FILE_MODE, fixed);
    }
  }
  return fixed;
}

/** Makes sure `path` exists as a private (0600) file before someone else's library opens it. */
export function ensurePrivateFile(path: string): void {
  withPrivateUmask(() => closeSync(openSync(path, 'a', PRIVATE_FILE_MODE)));
  if (applies && (statSync(path).mode & 0o077) !== 0) chmodSync(path, PRIVATE_FILE_MODE);
}
