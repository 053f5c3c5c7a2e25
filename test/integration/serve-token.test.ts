/**
 * `npm run serve` refuses a guessable SLICEDECK_TOKEN at start-up, with words,
 * before it opens anything (the real entry, as a child process).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
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

/**
 * Issue 19, finding 10: the start-up line carried the panel token, and a log redirected by
 * a umask-022 shell made it world-readable. Now it is printed on a terminal only; otherwise
 * it is written to a 0600 file in the data dir and stdout and the log say where.
 */
describe('npm run serve and its token', () => {
  const TOKEN = `serve-${randomBytes(18).toString('base64url')}`;

  /** Starts serve.js (stdout a pipe, or a terminal through `script`), waits for its address line, stops it. */
  async function startAndStop(dataDir: string, onTerminal: boolean): Promise<string> {
    if (!existsSync(SERVE_ENTRY)) throw new Error(`${SERVE_ENTRY} does not exist. Build first: "npx electron-vite build" (npm test does).`);
    const env = { ...process.env, SLICEDECK_DATA_DIR: dataDir, SLICEDECK_PORT: '0', SLICEDECK_TOKEN: TOKEN, SLICEDECK_DRIVER: 'simulated', SLICEDECK_RECONCILE_INTERVAL_MS: '0' };
    const command = onTerminal ? ['script', ['-qfec', `${process.execPath} ${SERVE_ENTRY}`, '/dev/null']] : [process.execPath, [SERVE_ENTRY]];
    const child = spawn(command[0] as string, command[1] as string[], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      for (let i = 0; i < 450 && !/web panel:[^\n]*\n/.test(output) && child.exitCode === null; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      if (!/web panel:/.test(output)) throw new Error(`serve printed no address:\n${output}`);
      return output;
    } finally {
      // The whole group: under `script`, serve is a grandchild.
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
      await new Promise((resolve) => {
        if (child.exitCode !== null) resolve(undefined);
        child.once('exit', resolve);
        setTimeout(resolve, 20_000).unref();
      });
    }
  }

  it('keeps the token out of stdout and the log when stdout is not a terminal, and puts it in a 0600 file of the data dir', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'slicedeck-serve-')), 'data');
    try {
      const output = await startAndStop(dataDir, false);
      const file = join(dataDir, 'panel-url');
      expect(output).toMatch(new RegExp(`slicedeck web panel: http://127\\.0\\.0\\.1:\\d+/ \\(the address with its token is in ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, readable by you only\\)`));
      expect(output).not.toContain(TOKEN);
      expect(readFileSync(file, 'utf8')).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/\\?token=${TOKEN}\\n$`));
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const log = readFileSync(join(dataDir, 'logs', 'slicedeck.log'), 'utf8');
      expect(log).toContain(`"file":"${file}"`);
      expect(log).not.toContain(TOKEN);
    } finally {
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  });

  it('prints the address with its token on a terminal, and writes no file', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'slicedeck-serve-')), 'data');
    try {
      const output = await startAndStop(dataDir, true);
      expect(output).toMatch(new RegExp(`slicedeck web panel: http://127\\.0\\.0\\.1:\\d+/\\?token=${TOKEN}`));
      expect(existsSync(join(dataDir, 'panel-url'))).toBe(false);
    } finally {
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  });
});
