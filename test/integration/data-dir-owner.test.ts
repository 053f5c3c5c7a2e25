/**
 * Issue 19, finding 2: a data dir someone else made first is not trusted. Another
 * local user (uid 65534, `nobody`, through spawn's uid) plants a folder where
 * slicedeck will run as root — their own key and database, or a symlinked log or
 * key aimed at a file of their choosing — and start-up refuses it with words that
 * name the path and its owner, writing nothing through a link. The real start-up
 * path (createCore with its own file logger), the real file system.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../src/main/core';
import { testConfig } from '../helpers/core';

const NOBODY = 65534;

/** Runs a few fs calls as user nobody: what another local account can do. */
function asNobody(script: string): void {
  const run = spawnSync(process.execPath, ['-e', `const fs = require('fs'); ${script}`], { uid: NOBODY, gid: NOBODY, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`as nobody: ${run.stderr}`);
}

describe('a data dir slicedeck does not own', () => {
  let shared: string;

  beforeAll(() => {
    // Like the system temp dir: anyone may create folders in it.
    shared = mkdtempSync(join(tmpdir(), 'slicedeck-planted-'));
    chmodSync(shared, 0o1777);
  });
  afterAll(() => rmSync(shared, { recursive: true, force: true }));

  it("is refused when another user made it first with their own key and database, and nothing of theirs is used or changed", async () => {
    const dataDir = join(shared, 'theirs');
    const key = JSON.stringify({ version: 1, protection: 'file', key: Buffer.alloc(32, 7).toString('base64') });
    asNobody(`fs.mkdirSync(${JSON.stringify(dataDir)}, { mode: 0o777 }); fs.writeFileSync(${JSON.stringify(join(dataDir, 'slice-key.json'))}, ${JSON.stringify(key)}); fs.writeFileSync(${JSON.stringify(join(dataDir, 'slicedeck.db'))}, '');`);
    const before = readdirSync(dataDir).sort();
    const modeBefore = statSync(dataDir).mode;

    await expect(createCore({ config: testConfig(dataDir) })).rejects.toThrow(
      new RegExp(`${dataDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} belongs to nobody \\(uid 65534\\), not to root \\(uid 0\\) who runs slicedeck.*set SLICEDECK_DATA_DIR to a folder of your own`),
    );
    expect(readdirSync(dataDir).sort()).toEqual(before);
    expect(readFileSync(join(dataDir, 'slice-key.json'), 'utf8')).toBe(key);
    // Not chmod-ed either: a fix of modes would be a write to their folder.
    expect(statSync(dataDir).mode).toBe(modeBefore);
  });

  it('is refused when its log is a symlink, and the file it points at is neither written nor chmod-ed', async () => {
    const dataDir = join(shared, 'log-link');
    mkdirSync(join(dataDir, 'logs'), { recursive: true, mode: 0o700 });
    const victim = join(shared, 'victim.txt');
    writeFileSync(victim, 'original\n', { mode: 0o644 });
    chmodSync(victim, 0o644);
    symlinkSync(victim, join(dataDir, 'logs', 'slicedeck.log'));

    await expect(createCore({ config: testConfig(dataDir) })).rejects.toThrow(/logs\/slicedeck\.log is a symbolic link \(to .*victim\.txt\)\. slicedeck follows no link in its data dir.*Remove the link/);
    expect(readFileSync(victim, 'utf8')).toBe('original\n');
    expect(statSync(victim).mode & 0o777).toBe(0o644);
  });

  it('is refused when its slice key or database is a symlink (even a dangling one), and nothing is written through it', async () => {
    for (const name of ['slice-key.json', 'slicedeck.db', 'slicedeck.db-wal']) {
      const dataDir = join(shared, `link-${name}`);
      mkdirSync(dataDir, { mode: 0o700 });
      const aimed = join(shared, `stolen-${name}`);
      symlinkSync(aimed, join(dataDir, name));
      await expect(createCore({ config: testConfig(dataDir) }), name).rejects.toThrow(`${join(dataDir, name)} is a symbolic link`);
      expect(existsSync(aimed), name).toBe(false);
    }
  });

  it("leaves alone a link of ours that is not slicedeck's (Electron keeps SingletonLock as one in its user data), neither following nor chmod-ing it", async () => {
    const dataDir = join(shared, 'electron-user-data');
    mkdirSync(dataDir, { mode: 0o700 });
    const target = join(shared, 'not-a-file-of-ours.txt');
    writeFileSync(target, 'x', { mode: 0o644 });
    chmodSync(target, 0o644);
    symlinkSync(target, join(dataDir, 'SingletonLock'));
    const core = await createCore({ config: testConfig(dataDir) });
    await core.close();
    expect(statSync(target).mode & 0o777).toBe(0o644);
    expect(readFileSync(target, 'utf8')).toBe('x');
  });

  it("is refused when a key, database or log in our own dir belongs to someone else, naming the file and its owner", async () => {
    for (const name of ['slice-key.json', 'slicedeck.db', 'slicedeck.db-wal', 'logs/slicedeck.log']) {
      const dataDir = join(shared, `foreign-${name.replace(/\W/g, '-')}`);
      mkdirSync(join(dataDir, 'logs'), { recursive: true, mode: 0o700 });
      writeFileSync(join(dataDir, name), '');
      chownSync(join(dataDir, name), NOBODY, NOBODY);
      await expect(createCore({ config: testConfig(dataDir) }), name).rejects.toThrow(`${join(dataDir, name)} belongs to nobody (uid 65534), not to root (uid 0)`);
    }
  });
});
