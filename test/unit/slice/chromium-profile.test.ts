/** A slice killed mid-session leaves Chromium's profile locks; the next slice must start anyway. */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clearStaleProfileLocks } from '../../../src/slice/drivers/chromium-profile';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('clearStaleProfileLocks', () => {
  it('removes the Singleton* links another container left, and nothing else of the session', async () => {
    dir = mkdtempSync(join(tmpdir(), 'profile-'));
    // What Chromium leaves: dangling symlinks naming the old container's hostname and pid.
    symlinkSync('4f1c2a9e7b3d-57', join(dir, 'SingletonLock'));
    symlinkSync('/tmp/.org.chromium.Chromium.gone/SingletonSocket', join(dir, 'SingletonSocket'));
    symlinkSync('1234567890', join(dir, 'SingletonCookie'));
    mkdirSync(join(dir, 'Default'));
    writeFileSync(join(dir, 'Default', 'Cookies'), 'session');
    writeFileSync(join(dir, 'Local State'), '{}');

    expect(await clearStaleProfileLocks(dir)).toEqual(['SingletonLock', 'SingletonSocket', 'SingletonCookie']);
    for (const name of ['SingletonLock', 'SingletonSocket', 'SingletonCookie']) expect(() => lstatSync(join(dir, name))).toThrow();
    expect(existsSync(join(dir, 'Default', 'Cookies'))).toBe(true);
    expect(existsSync(join(dir, 'Local State'))).toBe(true);
  });

  it('is a no-op for a clean profile or one not made yet', async () => {
    dir = mkdtempSync(join(tmpdir(), 'profile-'));
    expect(await clearStaleProfileLocks(dir)).toEqual([]);
    expect(await clearStaleProfileLocks(join(dir, 'session-never-started'))).toEqual([]);
  });
});
