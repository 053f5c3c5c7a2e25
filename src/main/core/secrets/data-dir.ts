/**
 * The data dir holds what opens every linked account (the slice key, the database,
 * the log): only the operator's OS user may read it — and only a folder that user
 * owns may be trusted. A folder someone else made first (say in /tmp, waiting for
 * slicedeck to run there as root) could hold their key and their database, or a
 * `logs/slicedeck.log` symlink to a file of their choosing.
 *
 * So: the dir and everything directly in it (and in `logs/`) must belong to this
 * process's user and be no symbolic link; anything else is refused with words that
 * name the path and its owner. Files are created exclusive and no-follow, 0600; an
 * existing dir of ours with looser modes is tightened, and each fix is reported so
 * it can be logged. Once the dir is checked to be ours and 0700, nobody but root can
 * add or swap entries in it, so the checks cannot be raced afterwards.
 * (POSIX only: on Windows the profile folder's ACLs already keep other users out.)
 */
import { chmodSync, closeSync, constants, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, unlinkSync, type Stats } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { SlicedeckError } from '@shared/errors';
import { describeUid } from './host-accounts';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** Nothing created while this is in effect is readable by group or others. */
export const PRIVATE_UMASK = 0o077;

const applies = process.platform !== 'win32';
const { O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_WRONLY, O_APPEND } = constants;

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

function me(): string {
  try {
    return `${userInfo().username} (uid ${process.getuid!()})`;
  } catch {
    return `uid ${process.getuid!()}`;
  }
}

/** The words for a path someone else owns. */
export function foreignOwnerWords(path: string, ownerUid: number): string {
  return (
    `${path} belongs to ${describeUid(ownerUid)}, not to ${me()} who runs slicedeck. slicedeck trusts only a data dir ` +
    `it owns: another account may have put it there to read your accounts. Do not use it — move it away (as its owner or root) ` +
    `and start slicedeck again, or set SLICEDECK_DATA_DIR to a folder of your own.`
  );
}

/** The words for a symbolic link inside (or as) the data dir. */
export function symlinkWords(path: string): string {
  let target = '';
  try {
    target = ` (to ${readlinkSync(path)})`;
  } catch {
    // Gone meanwhile: the words still hold.
  }
  return (
    `${path} is a symbolic link${target}. slicedeck follows no link in its data dir: it could make slicedeck write or read ` +
    `a file of someone else's choosing. Remove the link (or set SLICEDECK_DATA_DIR to a folder of your own) and start slicedeck again.`
  );
}

export class DataDirRefusedError extends SlicedeckError {
  constructor(message: string) {
    super('forbidden', message);
    this.name = 'DataDirRefusedError';
  }
}

/** Refuses a symlink, or an entry another user owns; `stats` must come from lstat/fstat. */
function requireOurs(path: string, stats: Stats): void {
  if (!applies) return;
  if (stats.isSymbolicLink()) throw new DataDirRefusedError(symlinkWords(path));
  if (stats.uid !== process.getuid!()) throw new DataDirRefusedError(foreignOwnerWords(path, stats.uid));
}

function tighten(path: string, mode: number, fixed: string[]): void {
  const current = lstatSync(path).mode & 0o777;
  if ((current & ~mode) === 0) return;
  chmodSync(path, mode);
  fixed.push(`${path} was ${current.toString(8).padStart(4, '0')}, now ${mode.toString(8).padStart(4, '0')}`);
}

/** mkdir 0700 that accepts an existing folder only after checking it is ours and no link. */
function ownDir(path: string): void {
  try {
    withPrivateUmask(() => mkdirSync(path, { mode: PRIVATE_DIR_MODE }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stats = lstatSync(path);
  requireOurs(path, stats);
  if (!stats.isDirectory()) throw new DataDirRefusedError(`${path} is not a folder. Move it away, or set SLICEDECK_DATA_DIR to a folder of your own, and start slicedeck again.`);
}

/**
 * slicedeck's own files at the top of the data dir: none of them may be a link. Other
 * entries there may be the desktop shell's (Electron's user data: Chromium keeps its
 * `SingletonLock`/`SingletonSocket` as symlinks of ours), so a link of ours among them is
 * left alone — never followed, never chmod-ed — while one of another user's is refused.
 * Everything in `logs/` is ours and may not be a link.
 */
const OWN_FILE = /^(slicedeck\.db(-wal|-shm|-journal)?|slice-key\.json(\.\d+\.tmp)?|panel-url|metrics-token|window-state\.json)$/;

/**
 * Creates the data dir (and `logs/`) private, or checks an existing one is ours with
 * no link among slicedeck's files and tightens it and every file and folder directly in
 * them. Returns one line per mode it had to fix; throws DataDirRefusedError with words otherwise.
 */
export function securePrivateDir(dir: string, subdirs: readonly string[] = ['logs']): string[] {
  const fixed: string[] = [];
  // The parents are the operator's (their home, or where they pointed SLICEDECK_DATA_DIR).
  mkdirSync(dirname(dir), { recursive: true });
  if (!applies) {
    mkdirSync(dir, { recursive: true });
    for (const sub of subdirs) mkdirSync(join(dir, sub), { recursive: true });
    return fixed;
  }
  ownDir(dir);
  tighten(dir, PRIVATE_DIR_MODE, fixed);
  for (const sub of subdirs) ownDir(join(dir, sub));
  for (const folder of [dir, ...subdirs.map((sub) => join(dir, sub))]) {
    for (const entry of readdirSync(folder)) {
      const path = join(folder, entry);
      const stats = lstatSync(path);
      if (stats.isSymbolicLink() && folder === dir && !OWN_FILE.test(entry) && !subdirs.includes(entry) && stats.uid === process.getuid!()) continue;
      requireOurs(path, stats);
      if (stats.isDirectory()) tighten(path, PRIVATE_DIR_MODE, fixed);
      else if (stats.isFile()) tighten(path, PRIVATE_FILE_MODE, fixed);
    }
  }
  return fixed;
}

/**
 * Opens `path` as a private file of ours without following a link: created exclusive
 * (O_EXCL|O_NOFOLLOW, 0600) when missing; an existing one must be a regular file this
 * user owns (its mode is then tightened). Returns the open descriptor.
 */
export function openPrivateFile(path: string, access: 'read' | 'append' = 'read'): number {
  const flags = (access === 'append' ? O_WRONLY | O_APPEND : O_RDONLY) | (applies ? O_NOFOLLOW : 0);
  try {
    return withPrivateUmask(() => openSync(path, flags | O_CREAT | O_EXCL, PRIVATE_FILE_MODE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw refusalOf(path, error);
  }
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (error) {
    throw refusalOf(path, error);
  }
  try {
    const stats = fstatSync(fd);
    requireOurs(path, stats);
    if (!stats.isFile()) throw new DataDirRefusedError(`${path} is not a regular file. Move it away and start slicedeck again.`);
    if (applies && (stats.mode & 0o077) !== 0) fchmodSync(fd, PRIVATE_FILE_MODE);
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** ELOOP from O_NOFOLLOW is a planted link: say so; anything else passes through. */
function refusalOf(path: string, error: unknown): unknown {
  return (error as NodeJS.ErrnoException).code === 'ELOOP' ? new DataDirRefusedError(symlinkWords(path)) : error;
}

/** Makes sure `path` exists as a private (0600) file of ours before someone else's library opens it. */
export function ensurePrivateFile(path: string): void {
  closeSync(openPrivateFile(path));
}

/** Creates `path` new (exclusive, no-follow, 0600) for writing; a leftover of ours is replaced. */
export function createPrivateFile(path: string): number {
  const flags = O_WRONLY | O_CREAT | O_EXCL | (applies ? O_NOFOLLOW : 0);
  try {
    return withPrivateUmask(() => openSync(path, flags, PRIVATE_FILE_MODE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // A leftover (a crashed writer's temporary file): ours and no link, or refused.
  requireOurs(path, lstatSync(path));
  unlinkSync(path);
  return withPrivateUmask(() => openSync(path, flags, PRIVATE_FILE_MODE));
}
