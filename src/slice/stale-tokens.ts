/**
 * Token files of earlier slices of this account (issue 19, finding 11): every Connect
 * writes `/data/.slicedeck/<slice id>.token` into the account's volume, and nothing
 * removed the previous ones. The new slice, once it has read its own, removes the
 * others — only files named like ours (`slc_<hex>.token`, and `slc_<hex>.proxy`, which holds
 * a proxy password), never anything else.
 */
import { readdirSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { proxyFileBeside } from '@shared/proxy';

/** A slice's token file, or its proxy file (src/slice/proxy.ts: it holds the proxy's password). */
const OUR_TOKEN_FILE = /^slc_[0-9a-f]{8,64}\.(token|proxy)$/;

/** Removes the other slices' token files beside `ownFile`; returns the names removed. */
export function removeStaleTokenFiles(ownFile: string): string[] {
  const dir = dirname(ownFile);
  const own = basename(ownFile);
  const ownProxy = basename(proxyFileBeside(ownFile));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (name === own || name === ownProxy || !OUR_TOKEN_FILE.test(name)) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // Not ours to remove after all (another owner): left, and tried again next Connect.
    }
  }
  return removed;
}
