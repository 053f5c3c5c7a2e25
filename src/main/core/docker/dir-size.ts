/**
 * How much disk a directory tree takes, measured the cheap way: a walk that never
 * follows a symlink, counts allocated blocks (a sparse file costs what it holds,
 * not what it claims), and stops as soon as it knows the answer — past `stopAtBytes`
 * or past `maxEntries` files — so a slice cannot make the measuring itself expensive.
 * (`docker system df -v` sizes every volume and layer of the engine: far too slow to ask often.)
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface DirSize {
  bytes: number;
  entries: number;
  /** The walk stopped early: `bytes` passed stopAtBytes, or there were more than maxEntries entries. */
  stoppedEarly: 'bytes' | 'entries' | null;
  /** The root itself could not be read (not there, or not ours to read: Docker's volumes are root's). */
  unreadable: boolean;
}

export async function measureDir(root: string, limits: { stopAtBytes: number; maxEntries: number }): Promise<DirSize> {
  let bytes = 0;
  let entries = 0;
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      if (dir === root) return { bytes: 0, entries: 0, stoppedEarly: null, unreadable: true };
      // Gone meanwhile, or not ours to read: what cannot be read is not counted.
      continue;
    }
    for (const name of names) {
      if (++entries > limits.maxEntries) return { bytes, entries, stoppedEarly: 'entries', unreadable: false };
      const path = join(dir, name);
      const info = await lstat(path).catch(() => null);
      if (!info) continue;
      bytes += info.blocks * 512;
      if (bytes > limits.stopAtBytes) return { bytes, entries, stoppedEarly: 'bytes', unreadable: false };
      if (info.isDirectory()) pending.push(path);
    }
  }
  return { bytes, entries, stoppedEarly: null, unreadable: false };
}
