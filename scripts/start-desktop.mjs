#!/usr/bin/env node
/**
 * `npm start` after `scripts/setup.mjs start`: launches the Electron shell on the
 * built app (out/main/index.js).
 *
 * The set-up already did the work: it ran Electron's installer when the binary was
 * missing, and made an Electron build of better-sqlite3 next to the Node one
 * (scripts/lib/electron-setup.mjs). The shell finds that build itself
 * (src/main/sqlite-binding.ts), so nothing is rebuilt here, and `npm test` afterwards
 * finds the Node build untouched.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronInstallState, electronPackageDir, electronSqliteBindingPath, electronVersion, SERVE_HINT, sqliteVersion } from './lib/electron-setup.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function main() {
  const version = electronVersion(ROOT);
  const { installed, executable } = electronInstallState(electronPackageDir(ROOT), { version });
  if (!installed) {
    console.error(`Electron ${version} is not installed (${executable} is missing). "npm start" downloads it during its set-up; run "npm start" rather than this script.\n${SERVE_HINT}`);
    return 1;
  }
  const entry = join(ROOT, 'out', 'main', 'index.js');
  if (!existsSync(entry)) {
    console.error('The app is not built (out/main/index.js is missing). Run "npm start", which builds it first.');
    return 1;
  }
  const binding = electronSqliteBindingPath({ root: ROOT, electronVersion: version, sqliteVersion: sqliteVersion(ROOT) });
  if (!existsSync(binding)) {
    console.error(`better-sqlite3 has no Electron build yet (${binding} is missing). Run "npm start", whose set-up makes it.\n${SERVE_HINT}`);
    return 1;
  }

  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // would make Electron a plain Node and never open a window
  const child = spawn(executable, [entry], { cwd: ROOT, env, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  return new Promise((done) => {
    child.on('error', (error) => {
      console.error(`Electron could not be started (${executable}): ${error.message}\n${SERVE_HINT}`);
      done(1);
    });
    child.on('close', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

process.exitCode = await main();
