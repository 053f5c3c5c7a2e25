/**
 * `npm run dist` as far as this machine allows: Electron's host and electron-builder's
 * tool downloads (AppImage runtime, fpm) are unreachable here, so the real
 * `npm run dist -- --linux dir` runs in a throw-away project copy against a throw-away
 * mirror on 127.0.0.1 (the stand-in Electron zip, a "prebuilt" better-sqlite3), and the
 * unpacked app it makes is checked: the executable is the downloaded Electron under the
 * product's name, the asar holds the built app and its runtime dependencies but neither
 * the Node build of better-sqlite3 nor whatsapp-web.js, the Electron build ships as
 * resources/native, and the slice image's build inputs as resources/slice-image.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STANDIN_ELECTRON, startElectronMirror, type ElectronMirror } from '../helpers/electron-mirror';
import { makeProjectCopy, REPO, type ProjectCopy } from '../helpers/project-copy';

const requireHere = createRequire(import.meta.url);
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { version: string };
const ELECTRON_VERSION = readJson(join(REPO, 'node_modules/electron/package.json')).version;
const SQLITE_VERSION = readJson(join(REPO, 'node_modules/better-sqlite3/package.json')).version;
const NODE_BUILD = join(REPO, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
const ELECTRON_ABI = (requireHere('node-abi') as { getAbi(target: string, runtime: string): string }).getAbi(ELECTRON_VERSION, 'electron');
const asar = requireHere('@electron/asar') as { listPackage(archive: string, options: { isPack: boolean }): string[] };

function npm(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && !/^ELECTRON_/.test(key)));
    execFile('npm', args, { cwd, env: { ...base, ...env }, timeout: 300_000, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

let scratch: string;
let project: ProjectCopy;
let mirror: ElectronMirror;
let run: { code: number; output: string };
let unpacked: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'slicedeck-dist-'));
  project = makeProjectCopy();
  mirror = await startElectronMirror({ electronVersion: ELECTRON_VERSION, sqlite: { version: SQLITE_VERSION, abi: ELECTRON_ABI, nodeBuild: NODE_BUILD } });
  run = await npm(['run', 'dist', '--', '--linux', 'dir'], project.root, {
    ELECTRON_MIRROR: mirror.url,
    electron_use_remote_checksums: '1',
    electron_config_cache: join(scratch, 'electron-cache'),
    npm_config_better_sqlite3_binary_host: mirror.sqliteHost,
    ELECTRON_HEADERS_MIRROR: `${mirror.url}headers`,
    // Any tool electron-builder would fetch asks loopback, never GitHub.
    ELECTRON_BUILDER_BINARIES_MIRROR: `${mirror.url}builder-binaries/`,
    ELECTRON_BUILDER_CACHE: join(scratch, 'builder-cache'),
    npm_config_cache: join(scratch, 'npm-cache'),
    npm_config_update_notifier: 'false',
    // Caches that default to the home folder (@electron/get's among them) stay in the scratch folder.
    XDG_CACHE_HOME: join(scratch, 'xdg-cache'),
  });
  unpacked = join(project.root, 'dist', 'linux-unpacked');
  if (process.env.SLICEDECK_SHOW_SETUP) console.log(run.output);
}, 330_000);

afterAll(async () => {
  await mirror?.close();
  project?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

describe('npm run dist -- --linux dir (against a local Electron mirror)', () => {
  it('runs its set-up (Electron and its better-sqlite3 build, not Docker) and packages the app', () => {
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/setup ▸ electron: Electron .* downloaded from/);
    expect(run.output).toMatch(/setup ▸ better-sqlite3 for electron: downloaded a prebuilt binary/);
    expect(run.output).not.toContain('setup ▸ docker engine');
    expect(run.output).toContain('dist/linux-unpacked');
    // Electron's installer downloaded the zip once; the builder found it in the same cache (electron_config_cache).
    expect(mirror.requests.filter((path) => path === `/v${ELECTRON_VERSION}/electron-v${ELECTRON_VERSION}-${process.platform}-${process.arch}.zip`)).toHaveLength(1);
  });

  it('names the executable after the product, and it is the Electron that was downloaded', () => {
    const executable = join(unpacked, 'slicedeck');
    expect(statSync(executable).mode & 0o111).not.toBe(0);
    expect(readFileSync(executable, 'utf8')).toBe(STANDIN_ELECTRON);
  });

  it('packs the built app and its runtime dependencies into the asar, without the Node build or the slice-only packages', () => {
    const files = asar.listPackage(join(unpacked, 'resources', 'app.asar'), { isPack: false }).map((file) => file.replace(/\\/g, '/'));
    // Direct and transitive runtime dependencies (docker-modem is dockerode's, thread-stream pino's, bindings better-sqlite3's).
    for (const wanted of ['/package.json', '/out/main/index.js', '/out/preload/index.cjs', '/out/renderer/index.html', '/resources/tray.png', '/node_modules/better-sqlite3/lib/database.js', '/node_modules/bindings/package.json', '/node_modules/dockerode/package.json', '/node_modules/docker-modem/package.json', '/node_modules/pino/package.json', '/node_modules/thread-stream/package.json', '/node_modules/zod/package.json']) {
      expect(files, wanted).toContain(wanted);
    }
    expect(files.filter((file) => file.startsWith('/node_modules/better-sqlite3/build'))).toEqual([]);
    // Only the host's runtime dependencies: the slice-only and renderer-only packages (bundled by vite) stay out.
    for (const absent of ['whatsapp-web.js', 'electron', 'react', 'react-dom', 'zustand', 'qrcode.react', 'esbuild', 'vite']) {
      expect(files.filter((file) => file.startsWith(`/node_modules/${absent}/`)), absent).toEqual([]);
    }
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
  });

  it('ships the Electron build of better-sqlite3 outside the asar, where the shell looks for it', () => {
    const shipped = join(unpacked, 'resources', 'native', 'better_sqlite3.node');
    const made = join(project.root, 'node_modules', '.cache', 'slicedeck', 'native', `better-sqlite3-${SQLITE_VERSION}`, `electron-v${ELECTRON_VERSION}-${process.platform}-${process.arch}`, 'better_sqlite3.node');
    expect(readFileSync(shipped).equals(readFileSync(made))).toBe(true);
  });

  it('ships what Build image needs: the scripts, the prebuilt slice bundle and the versions it reads', () => {
    const stage = join(unpacked, 'resources', 'slice-image');
    for (const file of ['scripts/slice-image.mjs', 'scripts/build-slice.mjs', 'prebuilt/slice.mjs', 'prebuilt/versions.json']) expect(existsSync(join(stage, file)), file).toBe(true);
    const versions = JSON.parse(readFileSync(join(stage, 'prebuilt', 'versions.json'), 'utf8')) as Record<string, string>;
    expect(versions['whatsapp-web.js']).toBe(readJson(join(REPO, 'node_modules/whatsapp-web.js/package.json')).version);
  });
});
