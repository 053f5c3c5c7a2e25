/**
 * Chromium marks a profile as in use with `Singleton*` symlinks holding the hostname and
 * pid of the browser that has it open. A slice killed without a clean browser exit (the
 * host's destroy removes the container with force, a crash, an OOM kill) leaves them on the
 * account's volume; the next slice has another hostname, so its Chromium refuses the
 * profile (exit code 21, "the profile appears to be in use by another computer") and the
 * saved session can never be restored. One account has at most one slice, so a lock found
 * before our browser starts is always stale.
 */
import { lstat, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const PROFILE_LOCK_FILES = ['SingletonLock', 'SingletonSocket', 'SingletonCookie'] as const;

/** Removes the stale locks of `profileDir`; answers which were there. A missing folder is fine. */
export async function clearStaleProfileLocks(profileDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of PROFILE_LOCK_FILES) {
    const path = join(profileDir, name);
    const present = await lstat(path).then(
      () => true,
      () => false,
    );
    if (!present) continue;
    await rm(path, { force: true });
    removed.push(name);
  }
  return removed;
}
