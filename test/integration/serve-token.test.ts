/**
 * `npm run serve` refuses a guessable SLICEDECK_TOKEN at start-up, with words,
 * before it opens anything (the real entry, as a child process).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SERVE_ENTRY = fileURLToPath(new URL('../../out/main/serve.js', import.meta.url));

describe('npm run serve with a weak SLICEDECK_TOKEN', () => {
  it('stops with words naming the variable and the floor, and creates nothing', () => {
    if (!existsSync(SERVE_ENTRY)) throw new Error(`${SERVE_ENTRY} does not exist. Build first: "npx electron-vite build" (npm test does).`);
    const dataDir = join(mkdtempSync(join(tmpdir(), 'slicedeck-serve-')), 'data');
    try {
      const run = spawnSync(process.execPath, [SERVE_ENTRY], {
        env: { ...process.env, SLICEDECK_DATA_DIR: dataDir, SLICEDECK_PORT: '0', SLICEDECK_TOKEN: 'hunter2', SLICEDECK_DRIVER: 'simulated' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/weak panel token: SLICEDECK_TOKEN is 7 characters long; use at least 24 random characters/);
      expect(run.stdout).not.toMatch(/web panel:/);
      expect(existsSync(dataDir) ? readdirSync(dataDir) : []).toEqual([]);
    } finally {
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  });
});
