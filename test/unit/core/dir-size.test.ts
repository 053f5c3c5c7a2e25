/**
 * The disk budget's measure (issue 19, finding 7): a slice controls what is in its
 * volume, so the walk must not be fooled or made expensive by it — sparse files count
 * what they hold, symlinks are not followed, and the walk stops once it knows.
 */
import { mkdirSync, mkdtempSync, openSync, closeSync, ftruncateSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { measureDir } from '../../../src/main/core/docker/dir-size';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'slicedeck-dir-size-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const MiB = 1024 * 1024;

it('counts what files hold on disk, including nested folders, not what a sparse file claims', async () => {
  mkdirSync(join(root, 'a', 'b'), { recursive: true });
  writeFileSync(join(root, 'a', 'b', 'real.bin'), Buffer.alloc(2 * MiB, 1));
  const fd = openSync(join(root, 'sparse.bin'), 'w');
  ftruncateSync(fd, 1024 * MiB);
  closeSync(fd);
  const size = await measureDir(root, { stopAtBytes: 100 * MiB, maxEntries: 1000 });
  expect(size.stoppedEarly).toBeNull();
  expect(size.bytes).toBeGreaterThanOrEqual(2 * MiB);
  expect(size.bytes).toBeLessThan(3 * MiB);
});

it('never follows a symlink out of the volume', async () => {
  const outside = mkdtempSync(join(tmpdir(), 'slicedeck-dir-size-outside-'));
  try {
    writeFileSync(join(outside, 'big.bin'), Buffer.alloc(4 * MiB, 1));
    symlinkSync(outside, join(root, 'link'));
    const size = await measureDir(root, { stopAtBytes: 100 * MiB, maxEntries: 1000 });
    expect(size.bytes).toBeLessThan(MiB);
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});

it('stops as soon as it passes the budget or the number of entries, and says which', async () => {
  for (let i = 0; i < 8; i++) writeFileSync(join(root, `f${i}`), Buffer.alloc(MiB, 1));
  const overBytes = await measureDir(root, { stopAtBytes: 3 * MiB, maxEntries: 1000 });
  expect(overBytes.stoppedEarly).toBe('bytes');
  expect(overBytes.entries).toBeLessThan(8);
  const overEntries = await measureDir(root, { stopAtBytes: 100 * MiB, maxEntries: 5 });
  expect(overEntries.stoppedEarly).toBe('entries');
  expect(await measureDir(join(root, 'missing'), { stopAtBytes: MiB, maxEntries: 5 })).toMatchObject({ unreadable: true });
});
