#!/usr/bin/env node
/**
 * `npm start` after `scripts/setup.mjs start`: launches the Electron shell on the
 * built app (out/main/index.js).
 *
 * better-sqlite3 is a native module, compiled for one ABI at a time. The tests and
 * the web mode load it under Node; the desktop app loads it inside Electron, whose
 * ABI differs. So before launching we ask Electron itself (ELECTRON_RUN_AS_NODE)
 * whether the module loads; if not, we rebuild it for Electron with
 * `npm rebuild better-sqlite3 --runtime=electron --target=<version> --dist-url=…`
 * (which needs Electron's headers from electronjs.org). `scripts/setup.mjs`
 * rebuilds it for Node again the next time a Node-side command needs it.
 * (`electron-rebuild` is not a dependency; npm's own rebuild does the same job.)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './lib/proc.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ELECTRON_HEADERS = 'https://electronjs.org/headers';
const SERVE_HINT = 'Run "npm run serve" instead: it opens the same panel, with the same core, in a browser.';

function electronBinary() {
  try {
    return createRequire(join(ROOT, 'package.json'))('electron');
  } catch {
    return null;
  }
}

function electronVersion() {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
}

function loadsInElectron(electron) {
  const probe = spawnSync(electron, ['-e', "require('better-sqlite3')(':memory:').close()"], {
    cwd: ROOT,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: 'ignore',
    timeout: 60_000,
  });
  return probe.status === 0;
}

function reachable(url, timeoutMs = 5000) {
  return new Promise((done) => {
    const request = https.request(url, { method: 'HEAD', timeout: timeoutMs }, (response) => {
      response.resume();
      done((response.statusCode ?? 500) < 400);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => done(false));
    request.end();
  });
}

async function matchNativeModulesToElectron(electron) {
  if (loadsInElectron(electron)) return true;
  const version = electronVersion();
  const headers = `${ELECTRON_HEADERS}/v${version}/node-v${version}-headers.tar.gz`;
  if (!(await reachable(headers))) {
    console.error(
      `better-sqlite3 is compiled for Node, and Electron ${version} needs it compiled for Electron. ` +
        `That rebuild needs Electron's headers from ${ELECTRON_HEADERS}, which cannot be reached from this machine.\n${SERVE_HINT}`,
    );
    return false;
  }
  console.log(`Rebuilding better-sqlite3 for Electron ${version} (once; about a minute)…`);
  const rebuilt = await run('npm', ['rebuild', 'better-sqlite3', '--runtime=electron', `--target=${version}`, `--dist-url=${ELECTRON_HEADERS}`], { cwd: ROOT, capture: true });
  if (rebuilt.code !== 0 || !loadsInElectron(electron)) {
    console.error(`${rebuilt.output.trimEnd()}\n\nbetter-sqlite3 could not be rebuilt for Electron ${version} (above). It needs python3, make and g++.\n${SERVE_HINT}`);
    return false;
  }
  return true;
}

async function main() {
  const electron = electronBinary();
  if (!electron || !existsSync(electron)) {
    console.error(`The Electron binary is not installed on this machine (its download was not possible here), so the desktop window cannot open.\n${SERVE_HINT}`);
    return 1;
  }
  const entry = join(ROOT, 'out', 'main', 'index.js');
  if (!existsSync(entry)) {
    console.error('The app is not built (out/main/index.js is missing). Run "npm start", which builds it first.');
    return 1;
  }
  if (!(await matchNativeModulesToElectron(electron))) return 1;

  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // would make Electron a plain Node and never open a window
  const child = spawn(electron, [entry], { cwd: ROOT, env, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  return new Promise((done) => child.on('close', (code, signal) => done(code ?? (signal ? 1 : 0))));
}

process.exitCode = await main();
