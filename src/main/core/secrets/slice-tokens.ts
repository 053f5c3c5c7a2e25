/**
 * Slice tokens are never stored. Each is derived when needed from the data dir's
 * slice key: token = HMAC-SHA256(key, slice id). The database holds no token, so a
 * copy of it (or of a backup) opens nothing; the key lives in its own 0600 file,
 * `slice-key.json`, and where the OS keeps secrets (the desktop app: Electron
 * `safeStorage` — Keychain, DPAPI, libsecret/kwallet) it is stored sealed by it.
 *
 * Without such a store (web mode, or a Linux desktop with no keyring) the key
 * is kept unsealed in the 0600 file inside the 0700 data dir: readable by the
 * operator's OS user only — the same user that runs slicedeck, so the threat
 * model (docs/SECURITY.md) holds, but a copy of the folder carries the key.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, lstatSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { SlicedeckError } from '@shared/errors';
import { createPrivateFile, openPrivateFile } from './data-dir';

export const SLICE_KEY_FILE = 'slice-key.json';

/**
 * Seals secrets with a key the OS keeps. The desktop shell passes one built on
 * Electron's safeStorage (the core never imports electron); none elsewhere.
 */
export interface SecretProtector {
  /** Shown in the log, e.g. "electron safeStorage (gnome_libsecret)". */
  readonly name: string;
  seal(plain: Buffer): Buffer;
  open(sealed: Buffer): Buffer;
}

const keyFileSchema = z.object({
  version: z.literal(1),
  /** `os`: `key` is sealed by a SecretProtector; `file`: `key` is the key itself. */
  protection: z.enum(['os', 'file']),
  key: z.string().min(1),
});
type KeyFile = z.infer<typeof keyFileSchema>;

const KEY_BYTES = 32;

export class SliceTokens {
  private constructor(
    private readonly key: Buffer,
    /** How the key is kept at rest, for the log and system status. */
    readonly protection: 'os' | 'file',
  ) {}

  /** The bearer token of one slice: 43 URL-safe characters, the same every time for that slice. */
  forSlice(sliceId: string): string {
    return createHmac('sha256', this.key).update(`slicedeck slice token\0${sliceId}`).digest('base64url');
  }

  /**
   * Loads the data dir's key, creating it on first use. With a protector, a key
   * kept unsealed is sealed now; without one, a sealed key cannot be read and
   * start-up stops with words.
   */
  static open(dataDir: string, protector?: SecretProtector): SliceTokens {
    const path = join(dataDir, SLICE_KEY_FILE);
    // lstat, not exists: a dangling symlink must be refused, not written through.
    if (!lstatSync(path, { throwIfNoEntry: false })) {
      const key = randomBytes(KEY_BYTES);
      write(path, protector ? { version: 1, protection: 'os', key: protector.seal(key).toString('base64') } : { version: 1, protection: 'file', key: key.toString('base64') });
      return new SliceTokens(key, protector ? 'os' : 'file');
    }
    let file: KeyFile;
    try {
      file = keyFileSchema.parse(JSON.parse(readOwnFile(path)));
    } catch (error) {
      if (error instanceof SlicedeckError) throw error;
      throw new SlicedeckError('internal', `${path} is damaged. Move it away and start slicedeck again: a new key is made, and running slices are replaced at their next Connect (linked sessions are kept).`);
    }
    if (file.protection === 'file') {
      const key = Buffer.from(file.key, 'base64');
      if (protector) {
        write(path, { version: 1, protection: 'os', key: protector.seal(key).toString('base64') });
        return new SliceTokens(key, 'os');
      }
      return new SliceTokens(key, 'file');
    }
    if (!protector) {
      throw new SlicedeckError(
        'internal',
        `The slice key in ${path} is sealed by the desktop app's OS keychain, which this process cannot use. Use the desktop app (npm start) for this data dir, or give the web mode its own SLICEDECK_DATA_DIR.`,
      );
    }
    let key: Buffer;
    try {
      key = protector.open(Buffer.from(file.key, 'base64'));
    } catch (error) {
      throw new SlicedeckError('internal', `The OS keychain (${protector.name}) would not unseal the slice key in ${path} (${(error as Error).message}). Unlock the keychain and start again, or move the file away to make a new key.`);
    }
    return new SliceTokens(key, 'os');
  }
}

/** Read through a no-follow descriptor of a file this user owns (else refused with words). */
function readOwnFile(path: string): string {
  const fd = openPrivateFile(path);
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Written to a private temporary file (exclusive, no-follow), then renamed over: never a half-written key. */
function write(path: string, file: KeyFile): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = createPrivateFile(temporary);
  try {
    writeSync(fd, `${JSON.stringify(file)}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
