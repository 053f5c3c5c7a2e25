/**
 * The decisions behind `npm start`'s Electron steps and the side-by-side better-sqlite3
 * builds (scripts/lib/electron-setup.mjs), and the shell's side of the same convention
 * (src/main/sqlite-binding.ts). The steps themselves run end to end against a local
 * mirror in test/integration/desktop-start.test.ts.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  electronDownloadWords,
  electronHeadersUrl,
  electronInstallCommand,
  electronInstallState,
  electronLeftovers,
  electronMissingWords,
  electronSqliteBindingPath,
  electronSqliteWords,
  installerReason,
  nodeGypScript,
  prebuiltCommand,
  sourceBuildCommand,
  stagedAddon,
} from '../../scripts/lib/electron-setup.mjs';
import { MODES } from '../../scripts/lib/setup-plan.mjs';
import { missingSqliteBindingWords, sqliteBindingFor } from '../../src/main/sqlite-binding';

const scratch = mkdtempSync(join(tmpdir(), 'slicedeck-setup-electron-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function electronPackage(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  return dir;
}

describe('which commands need Electron', () => {
  it('only the desktop app and its installer: npm test, serve and bench never reach Electron’s host', () => {
    expect(Object.entries(MODES).filter(([, needs]) => needs.electron).map(([mode]) => mode).sort()).toEqual(['dist', 'start']);
  });

  it('packaging needs no Docker engine', () => {
    expect(MODES.dist.docker).toBe('unused');
    expect(MODES.dist.image).toBe(false);
  });
});

describe('whether Electron is installed (the rule of its own install.js)', () => {
  it('is installed when dist/version names this version, path.txt this platform’s executable, and the file exists', () => {
    const dir = electronPackage('complete', { 'dist/version': 'v39.8.10', 'path.txt': 'electron', 'dist/electron': '#!/bin/sh\n' });
    expect(electronInstallState(dir, { version: '39.8.10', platform: 'linux', env: {} })).toEqual({ installed: true, executable: join(dir, 'dist', 'electron') });
  });

  it('is not installed without a binary, for another version, or half-extracted (no path.txt)', () => {
    expect(electronInstallState(electronPackage('none', { 'package.json': '{}' }), { version: '39.8.10', platform: 'linux', env: {} }).installed).toBe(false);
    expect(electronInstallState(electronPackage('older', { 'dist/version': '38.0.0', 'path.txt': 'electron', 'dist/electron': 'x' }), { version: '39.8.10', platform: 'linux', env: {} }).installed).toBe(false);
    expect(electronInstallState(electronPackage('half', { 'dist/version': '39.8.10', 'dist/electron': 'x' }), { version: '39.8.10', platform: 'linux', env: {} }).installed).toBe(false);
  });

  it('names each platform’s executable like install.js does, and honours ELECTRON_OVERRIDE_DIST_PATH', () => {
    const dir = electronPackage('mac', { 'dist/version': '39.8.10', 'path.txt': 'Electron.app/Contents/MacOS/Electron', 'dist/Electron.app/Contents/MacOS/Electron': 'x' });
    expect(electronInstallState(dir, { version: '39.8.10', platform: 'darwin', env: {} }).installed).toBe(true);
    const own = electronPackage('override', { 'electron': 'x' });
    chmodSync(join(own, 'electron'), 0o755);
    expect(electronInstallState(join(scratch, 'none'), { version: '39.8.10', platform: 'linux', env: { ELECTRON_OVERRIDE_DIST_PATH: own } })).toEqual({ installed: true, executable: join(own, 'electron') });
  });

  it('runs Electron’s own installer from its package, and cleans what it writes when it fails', () => {
    expect(electronInstallCommand('/p/node_modules/electron', '/usr/bin/node')).toEqual({ command: '/usr/bin/node', args: ['/p/node_modules/electron/install.js'], cwd: '/p/node_modules/electron' });
    expect(electronLeftovers('/p/node_modules/electron')).toEqual(['/p/node_modules/electron/dist', '/p/node_modules/electron/path.txt']);
  });
});

describe('words when Electron cannot be had', () => {
  const output = 'HTTPError: Response code 404 (Not Found) for http://127.0.0.1:9/v39.8.10/electron-v39.8.10-linux-x64.zip\n    at Request._onResponseBase (got/index.js:913:31)\n';

  it('name the source, the reason, the mirror variable and npm run serve', () => {
    const words = electronDownloadWords({ version: '39.8.10', output, env: { ELECTRON_MIRROR: 'http://127.0.0.1:9/' } });
    expect(words).toContain('Electron 39.8.10 could not be downloaded from the mirror ELECTRON_MIRROR=http://127.0.0.1:9/: HTTPError: Response code 404');
    expect(words).toContain('Set ELECTRON_MIRROR');
    expect(words).toContain('npm run serve');
    expect(words).not.toContain('at Request');
    expect(electronDownloadWords({ version: '39.8.10', output: 'getaddrinfo ENOTFOUND github.com', env: {} })).toContain('from GitHub');
  });

  it('quote the line that says why a tool failed, not its last', () => {
    expect(installerReason('gyp info it worked if it ends with ok\ngyp ERR! stack Error: 404 response downloading http://m/headers/v39.8.10/node-v39.8.10-headers.tar.gz\ngyp ERR! stack     at download (install.js:1:1)\ngyp ERR! not ok\n')).toBe(
      'Error: 404 response downloading http://m/headers/v39.8.10/node-v39.8.10-headers.tar.gz',
    );
    expect(installerReason('prebuild-install warn install No prebuilt binaries found (target=39.8.10 runtime=electron)\n')).toBe('prebuild-install warn install No prebuilt binaries found (target=39.8.10 runtime=electron)');
  });

  it('say when the installer was told to skip the download', () => {
    expect(electronMissingWords({ version: '39.8.10', executable: '/x/electron', env: { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } })).toMatch(/ELECTRON_SKIP_BINARY_DOWNLOAD is set.*unset it/);
  });
});

describe('better-sqlite3 per runtime, side by side', () => {
  it('keeps the Electron build in the project’s cache, one folder per better-sqlite3, Electron, platform and arch', () => {
    const path = electronSqliteBindingPath({ root: '/p', electronVersion: '39.8.10', sqliteVersion: '12.11.1', platform: 'linux', arch: 'x64' });
    expect(path).toBe('/p/node_modules/.cache/slicedeck/native/better-sqlite3-12.11.1/electron-v39.8.10-linux-x64/better_sqlite3.node');
    expect(path).not.toContain('node_modules/better-sqlite3/'); // never where the Node build lives
    expect(electronSqliteBindingPath({ root: '/p', electronVersion: '40.0.0', sqliteVersion: '12.11.1', platform: 'linux', arch: 'x64' })).not.toBe(path);
  });

  it('asks prebuild-install for the electron runtime first, into a staging folder', () => {
    const command = prebuiltCommand({ root: '/p', stagingDir: '/s', electronVersion: '39.8.10', platform: 'linux', arch: 'x64', nodeExecutable: 'node' });
    expect(command.args).toEqual(['/p/node_modules/prebuild-install/bin.js', '--runtime=electron', '--target=39.8.10', '--arch=x64', '--platform=linux', '--path=/s']);
    expect(command.cwd).toBe('/s');
    expect(command.env).toMatchObject({ npm_config_runtime: 'electron', npm_config_target: '39.8.10' });
    expect(stagedAddon('/s')).toBe('/s/build/Release/better_sqlite3.node');
  });

  it('else builds from source with node-gyp against Electron’s headers (ELECTRON_HEADERS_MIRROR when set)', () => {
    expect(electronHeadersUrl({})).toBe('https://electronjs.org/headers');
    expect(electronHeadersUrl({ ELECTRON_HEADERS_MIRROR: 'https://mirror.example/electron-headers/' })).toBe('https://mirror.example/electron-headers');
    const command = sourceBuildCommand({ stagingDir: '/s', electronVersion: '39.8.10', arch: 'x64', nodeGyp: '/npm/node-gyp.js', headersUrl: 'https://electronjs.org/headers', nodeExecutable: 'node' });
    expect(command.args).toEqual(['/npm/node-gyp.js', 'rebuild', '--release', '--jobs=max', '--runtime=electron', '--target=39.8.10', '--arch=x64', '--dist-url=https://electronjs.org/headers']);
    expect(command.cwd).toBe('/s');
    // A `nodedir` in the user's npmrc (Node's headers) must not turn it into a Node build.
    expect(command.env).toMatchObject({ npm_config_runtime: 'electron', npm_config_target: '39.8.10', npm_config_nodedir: '' });
  });

  it('finds npm’s own node-gyp', () => {
    const gyp = electronPackage('npm/node_modules/node-gyp', { 'bin/node-gyp.js': '' });
    expect(nodeGypScript({ npm_config_node_gyp: join(gyp, 'bin', 'node-gyp.js') })).toBe(join(gyp, 'bin', 'node-gyp.js'));
    expect(nodeGypScript({ npm_execpath: join(scratch, 'npm', 'bin', 'npm-cli.js') })).toBe(join(gyp, 'bin', 'node-gyp.js'));
    expect(nodeGypScript({})).toBeNull();
  });

  it('says what to fix when neither way works, and that the Node build was left alone', () => {
    const words = electronSqliteWords({ electronVersion: '39.8.10', sqliteVersion: '12.11.1', prebuiltOutput: 'prebuild-install warn install getaddrinfo ENOTFOUND github.com', sourceOutput: 'gyp ERR! stack Error: 404 response downloading https://electronjs.org/headers/v39.8.10/node-v39.8.10-headers.tar.gz', headersUrl: 'https://electronjs.org/headers', env: {} });
    for (const part of ['npm_config_better_sqlite3_binary_host', 'ELECTRON_HEADERS_MIRROR', 'python3, make and g++', 'The Node build the tests use was not touched', 'npm run serve']) expect(words).toContain(part);
  });

  it('the shell loads the very file the set-up made, and the installed app its resources/native copy', () => {
    const context = { resourcesPath: '/opt/slicedeck/resources', appRoot: '/p', electronVersion: '39.8.10', sqliteVersion: () => '12.11.1', platform: 'linux', arch: 'x64' };
    expect(sqliteBindingFor({ ...context, isPackaged: false })).toBe(electronSqliteBindingPath({ root: '/p', electronVersion: '39.8.10', sqliteVersion: '12.11.1', platform: 'linux', arch: 'x64' }));
    expect(sqliteBindingFor({ ...context, isPackaged: true, sqliteVersion: () => { throw new Error('an installed app has no node_modules to read'); } })).toBe('/opt/slicedeck/resources/native/better_sqlite3.node');
    expect(missingSqliteBindingWords('/x.node', false)).toContain('npm start');
    expect(missingSqliteBindingWords('/x.node', true)).toContain('Install it again');
  });
});
