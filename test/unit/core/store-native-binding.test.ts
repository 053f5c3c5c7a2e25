/**
 * The Store opens SQLite through the addon it is given (better-sqlite3's `nativeBinding`):
 * how the desktop shell loads the Electron build kept next to the Node one.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../../src/main/core/db/store';

const scratch = mkdtempSync(join(tmpdir(), 'slicedeck-binding-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const nodeBuild = join(dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');

describe('the store’s native binding', () => {
  it('loads the addon it is given, from anywhere', () => {
    const elsewhere = join(scratch, 'better_sqlite3.node');
    copyFileSync(nodeBuild, elsewhere);
    const store = new Store(join(scratch, 'data-a'), Date.now, { nativeBinding: elsewhere });
    expect(store.homeId()).toMatch(/\S/);
    store.close();
  });

  it('fails on a missing addon instead of quietly loading the package’s own', () => {
    const missing = join(scratch, 'electron-v0-linux-x64', 'better_sqlite3.node');
    expect(() => new Store(join(scratch, 'data-b'), Date.now, { nativeBinding: missing })).toThrow(/electron-v0-linux-x64/);
  });
});
