/**
 * `npm start` gets Electron itself — proved here, where Electron's host is unreachable,
 * against a throw-away mirror on 127.0.0.1 (test/helpers/electron-mirror.ts) in a
 * throw-away copy of the project (test/helpers/project-copy.ts; the real node_modules
 * is never written). The real `npm start` runs: its set-up runs Electron's own
 * installer (ELECTRON_MIRROR, electron_use_remote_checksums, electron_config_cache),
 * fetches a prebuilt better-sqlite3 for the electron runtime from the mirror
 * (npm_config_better_sqlite3_binary_host), proves it loads in "Electron", keeps it next
 * to the Node build, and launches out/main/index.js. The stand-in Electron records how.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { electronSqliteBindingPath } from '../../scripts/lib/electron-setup.mjs';
import { startElectronMirror, type ElectronMirror } from '../helpers/electron-mirror';
import { makeProjectCopy, REPO, type ProjectCopy } from '../helpers/project-copy';

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { version: string };
const ELECTRON_VERSION = readJson(join(REPO, 'node_modules/electron/package.json')).version;
const SQLITE_VERSION = readJson(join(REPO, 'node_modules/better-sqlite3/package.json')).version;
const NODE_BUILD = join(REPO, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
// prebuild-install names the file by Electron's ABI, which node-abi knows (prebuild-install's own dependency).
const ELECTRON_ABI = (createRequire(import.meta.url)('node-abi') as { getAbi(target: string, runtime: string): string }).getAbi(ELECTRON_VERSION, 'electron');
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

interface Run {
  code: number;
  output: string;
}

function npm(args: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    // Only this test's settings: no npm_config_* of the outer run leaks into the inner npm.
    const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && !/^ELECTRON_/.test(key)));
    execFile('npm', args, { cwd, env: { ...base, ...env }, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

const setupLines = (output: string) => output.split('\n').filter((line) => line.startsWith('setup ▸'));

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'slicedeck-desktop-start-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function envFor(mirror: ElectronMirror, name: string): Record<string, string> {
  return {
    ELECTRON_MIRROR: mirror.url,
    electron_use_remote_checksums: '1',
    electron_config_cache: join(scratch, `${name}-electron-cache`),
    npm_config_better_sqlite3_binary_host: mirror.sqliteHost,
    // The source-build fallback would ask for headers: keep even that on loopback.
    ELECTRON_HEADERS_MIRROR: `${mirror.url}headers`,
    npm_config_cache: join(scratch, `${name}-npm-cache`),
    npm_config_update_notifier: 'false',
    // Caches that default to the home folder (@electron/get's among them) stay in the scratch folder.
    XDG_CACHE_HOME: join(scratch, 'xdg-cache'),
    SLICEDECK_DATA_DIR: join(scratch, `${name}-data`),
    // Not ours to build: the image step says so and moves on (this test is about Electron).
    SLICEDECK_IMAGE: 'slicedeck-desktop-start-test:none',
    SLICEDECK_STANDIN_RECORD: join(scratch, `${name}-launched.txt`),
  };
}

describe('npm start with a reachable Electron mirror', () => {
  let project: ProjectCopy;
  let mirror: ElectronMirror;
  beforeAll(async () => {
    project = makeProjectCopy();
    mirror = await startElectronMirror({ electronVersion: ELECTRON_VERSION, sqlite: { version: SQLITE_VERSION, abi: ELECTRON_ABI, nodeBuild: NODE_BUILD } });
  });
  afterAll(async () => {
    await mirror?.close();
    project?.remove();
  });

  it('downloads and verifies Electron, gets an Electron build of better-sqlite3 beside the Node one, and launches out/main/index.js', async () => {
    const nodeBuildBefore = sha(NODE_BUILD);
    const env = envFor(mirror, 'ok');
    const run = await npm(['start'], project.root, env);
    if (process.env.SLICEDECK_SHOW_SETUP) console.log(run.output);
    expect(run.code, run.output).toBe(0);

    const lines = setupLines(run.output);
    expect(lines.find((line) => line.startsWith('setup ▸ electron:')), run.output).toMatch(new RegExp(`Electron ${ELECTRON_VERSION.replace(/\./g, '\\.')} downloaded from ${mirror.url.replace(/\./g, '\\.')} and verified`));
    expect(lines.find((line) => line.startsWith('setup ▸ better-sqlite3 for electron:'))).toContain('downloaded a prebuilt binary');
    expect(mirror.requests).toEqual(
      expect.arrayContaining([
        `/v${ELECTRON_VERSION}/electron-v${ELECTRON_VERSION}-${process.platform}-${process.arch}.zip`,
        `/v${ELECTRON_VERSION}/SHASUMS256.txt`,
        `/better-sqlite3/v${SQLITE_VERSION}/better-sqlite3-v${SQLITE_VERSION}-electron-v${ELECTRON_ABI}-${process.platform}-${process.arch}.tar.gz`,
      ]),
    );

    // The stand-in was launched as Electron (not as Node) on the built app.
    const launched = readFileSync(env.SLICEDECK_STANDIN_RECORD!, 'utf8').trim().split('\n');
    expect(launched).toEqual([`cwd=${project.root}`, 'run_as_node=unset', `arg=${join(project.root, 'out', 'main', 'index.js')}`]);
    expect(existsSync(join(project.root, 'out', 'main', 'index.js'))).toBe(true);

    // Two builds side by side: the Electron one in the cache, the Node one untouched.
    const binding = electronSqliteBindingPath({ root: project.root, electronVersion: ELECTRON_VERSION, sqliteVersion: SQLITE_VERSION });
    expect(existsSync(binding)).toBe(true);
    expect(sha(NODE_BUILD)).toBe(nodeBuildBefore);
    expect(readdirSync(join(binding, '..', '..')).filter((name) => name.startsWith('.staging-'))).toEqual([]);
  });

  it('starts again without downloading or rebuilding anything, and the Node side still loads its own build', async () => {
    mirror.requests.length = 0;
    const again = await npm(['start'], project.root, envFor(mirror, 'ok'));
    expect(again.code, again.output).toBe(0);
    const lines = setupLines(again.output);
    expect(lines.find((line) => line.startsWith('setup ▸ electron:'))).toMatch(/Electron .* present/);
    expect(lines.find((line) => line.startsWith('setup ▸ better-sqlite3 for electron:'))).toMatch(/^setup ▸ better-sqlite3 for electron: cached for Electron/);
    expect(mirror.requests).toEqual([]);

    const serve = await npm(['exec', '--', 'node', 'scripts/setup.mjs', 'serve'], project.root, envFor(mirror, 'ok'));
    expect(serve.code, serve.output).toBe(0);
    expect(setupLines(serve.output).find((line) => line.startsWith('setup ▸ better-sqlite3:'))).toMatch(/loads under Node/);
  });
});

describe('npm start when the mirror does not have Electron', () => {
  let project: ProjectCopy;
  let mirror: ElectronMirror;
  beforeAll(async () => {
    project = makeProjectCopy();
    mirror = await startElectronMirror({ electronVersion: ELECTRON_VERSION }, { status: 404 });
  });
  afterAll(async () => {
    await mirror?.close();
    project?.remove();
  });

  it('says what to set and what to run instead, exits 1, and leaves nothing half-installed', async () => {
    const env = envFor(mirror, 'missing');
    const run = await npm(['start'], project.root, env);
    if (process.env.SLICEDECK_SHOW_SETUP) console.log(run.output);
    expect(run.code).toBe(1);
    expect(run.output).toContain(`Electron ${ELECTRON_VERSION} could not be downloaded from the mirror ELECTRON_MIRROR=${mirror.url}`);
    expect(run.output).toContain('404');
    expect(run.output).toMatch(/Set ELECTRON_MIRROR to a mirror/);
    expect(run.output).toContain('npm run serve');
    expect(mirror.requests.length).toBeGreaterThan(0);

    expect(existsSync(join(project.electronDir, 'dist'))).toBe(false);
    expect(existsSync(join(project.electronDir, 'path.txt'))).toBe(false);
    const cache = env.electron_config_cache!;
    const cached = existsSync(cache) ? readdirSync(cache, { recursive: true }).map(String).filter((name) => name.endsWith('.zip')) : [];
    expect(cached).toEqual([]);
    expect(existsSync(env.SLICEDECK_STANDIN_RECORD!)).toBe(false);
    expect(setupLines(run.output).some((line) => line.startsWith('setup ▸ better-sqlite3 for electron'))).toBe(false);
  });
});

describe('npm start when the download verifies but does not unpack', () => {
  let project: ProjectCopy;
  let mirror: ElectronMirror;
  beforeAll(async () => {
    project = makeProjectCopy();
    // A zip cut short after its first entry: the checksum matches (it is what the mirror lists), the unpacking fails part-way.
    const { zipOf } = await import('../helpers/electron-mirror');
    const whole = zipOf([
      { name: 'version', data: Buffer.from(ELECTRON_VERSION), mode: 0o644 },
      { name: 'electron', data: Buffer.alloc(4096, 1), mode: 0o755 },
    ]);
    mirror = await startElectronMirror({ electronVersion: ELECTRON_VERSION, zipBytes: Buffer.concat([whole.subarray(0, 60), Buffer.alloc(200)]) });
  });
  afterAll(async () => {
    await mirror?.close();
    project?.remove();
  });

  it('removes what the installer unpacked, so the next start does not take it for an installed Electron', async () => {
    const run = await npm(['start'], project.root, envFor(mirror, 'broken'));
    expect(run.code).toBe(1);
    expect(run.output).toContain(`Electron ${ELECTRON_VERSION} could not be downloaded`);
    expect(existsSync(join(project.electronDir, 'dist'))).toBe(false);
    expect(existsSync(join(project.electronDir, 'path.txt'))).toBe(false);
  });
});

describe('npm start when Electron comes but no better-sqlite3 build for it can be had', () => {
  let project: ProjectCopy;
  let mirror: ElectronMirror;
  beforeAll(async () => {
    project = makeProjectCopy();
    mirror = await startElectronMirror({ electronVersion: ELECTRON_VERSION }); // no prebuilt, no headers
  });
  afterAll(async () => {
    await mirror?.close();
    project?.remove();
  });

  it('says what each way needs, exits 1, never launches, and leaves the Node build and no staging behind', async () => {
    const nodeBuildBefore = sha(NODE_BUILD);
    const env: Record<string, string> = { ...envFor(mirror, 'nosqlite'), npm_config_devdir: join(scratch, 'nosqlite-node-gyp') };
    const run = await npm(['start'], project.root, env);
    if (process.env.SLICEDECK_SHOW_SETUP) console.log(run.output);
    expect(run.code).toBe(1);
    expect(setupLines(run.output).find((line) => line.startsWith('setup ▸ electron:'))).toContain('downloaded');
    expect(run.output).toContain(`better-sqlite3 ${SQLITE_VERSION} has no build for Electron ${ELECTRON_VERSION} here`);
    expect(run.output).toContain(`from npm_config_better_sqlite3_binary_host=${mirror.sqliteHost}`);
    expect(run.output).toContain('ELECTRON_HEADERS_MIRROR');
    expect(run.output).toContain('npm run serve');
    expect(mirror.requests).toEqual(expect.arrayContaining([`/headers/v${ELECTRON_VERSION}/node-v${ELECTRON_VERSION}-headers.tar.gz`]));
    expect(existsSync(env.SLICEDECK_STANDIN_RECORD!)).toBe(false);
    expect(sha(NODE_BUILD)).toBe(nodeBuildBefore);
    const binding = electronSqliteBindingPath({ root: project.root, electronVersion: ELECTRON_VERSION, sqliteVersion: SQLITE_VERSION });
    expect(existsSync(binding)).toBe(false);
    expect(readdirSync(join(binding, '..'))).toEqual([]);
  });
});
