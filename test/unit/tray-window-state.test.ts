/** The desktop window's remembered size (src/main/window-state.ts), next to the tray it lives with. */
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BOUNDS, loadWindowBounds, saveWindowBounds, windowStateFile } from '../../src/main/window-state';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'slicedeck-window-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the remembered window size', () => {
  it('opens at the default size the first time', () => {
    expect(loadWindowBounds(windowStateFile(dataDir))).toEqual(DEFAULT_BOUNDS);
  });

  it('comes back as it was saved', () => {
    const file = windowStateFile(dataDir);
    saveWindowBounds(file, { width: 1400, height: 900, x: 40, y: 60 });
    expect(loadWindowBounds(file)).toEqual({ width: 1400, height: 900, x: 40, y: 60 });
  });

  it('never comes back smaller than usable, and ignores a half-written position', () => {
    const file = windowStateFile(dataDir);
    writeFileSync(file, JSON.stringify({ width: 10, height: 10, x: 5 }));
    expect(loadWindowBounds(file)).toEqual({ width: 760, height: 520 });
  });

  it('falls back to the default size from a damaged file', () => {
    const file = windowStateFile(dataDir);
    writeFileSync(file, '{"width": 12');
    expect(loadWindowBounds(file)).toEqual(DEFAULT_BOUNDS);
  });

  // The data dir is private (core/secrets/data-dir.ts); a readable file here was tightened and logged at every start.
  it.skipIf(process.platform === 'win32')('is written readable by its owner only (0600), even over a file an older version left 0644', () => {
    const file = windowStateFile(dataDir);
    const umask = process.umask(0o022); // the usual umask, under which a plain write makes 0644
    try {
      saveWindowBounds(file, DEFAULT_BOUNDS);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      chmodSync(file, 0o644);
      saveWindowBounds(file, { width: 1300, height: 800 });
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(umask);
    }
  });

  it('does not throw when the data dir cannot be written', () => {
    const blocked = join(dataDir, 'a-file');
    writeFileSync(blocked, '');
    expect(() => saveWindowBounds(join(blocked, 'window-state.json'), DEFAULT_BOUNDS)).not.toThrow();
  });
});
