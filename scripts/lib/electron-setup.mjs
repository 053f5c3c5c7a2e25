/**
 * Electron for `npm start` and `npm run dist`, decided here as pure functions
 * (unit-tested in test/unit/setup-electron.test.ts); scripts/setup.mjs acts on them.
 *
 * 1. The binary. `npm ci` runs no install script of Electron's (package.json
 *    `allowScripts`), so `npm test` needs no network to Electron's host. `npm start`
 *    runs Electron's own installer, node_modules/electron/install.js, when the binary
 *    is missing: ELECTRON_MIRROR, ELECTRON_CUSTOM_DIR, electron_config_cache,
 *    electron_use_remote_checksums and proxies all work as Electron documents them.
 *
 * 2. better-sqlite3 per runtime, side by side. The package's own build
 *    (node_modules/better-sqlite3/build/Release) stays the Node one, for the tests and
 *    the web mode; the Electron one lives in node_modules/.cache/slicedeck/native/,
 *    one folder per better-sqlite3 version, Electron version, platform and arch, and
 *    the desktop shell hands it to better-sqlite3 as `nativeBinding`. Neither side
 *    ever rebuilds the other's. The Electron build comes from a prebuilt binary first
 *    (prebuild-install for the electron runtime: honours
 *    npm_config_better_sqlite3_binary_host and its npm cache), else from source
 *    against Electron's headers (node-gyp; ELECTRON_HEADERS_MIRROR, python3, make, g++).
 *
 * Node builtins only: this runs before anything is built.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const ELECTRON_HEADERS_URL = 'https://electronjs.org/headers';
export const SERVE_HINT = 'Or run "npm run serve": it opens the same panel, with the same core, in a browser, and needs no Electron.';
export const SQLITE_ADDON = 'better_sqlite3.node';

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function electronPackageDir(root) {
  return join(root, 'node_modules', 'electron');
}

/** The version of the Electron package npm installed (the binary must match it). */
export function electronVersion(root) {
  return readJson(join(electronPackageDir(root), 'package.json')).version;
}

export function sqliteVersion(root) {
  return readJson(join(root, 'node_modules', 'better-sqlite3', 'package.json')).version;
}

/** What Electron's install.js and index.js call the executable inside dist/. */
export function electronExecutableName(platform) {
  if (platform === 'darwin' || platform === 'mas') return 'Electron.app/Contents/MacOS/Electron';
  if (platform === 'win32') return 'electron.exe';
  return 'electron';
}

/**
 * Whether the binary is there, by the same rule as Electron's install.js (dist/version
 * names this version, path.txt names this platform's executable, the file exists), so
 * we never run the installer for nothing, and never launch a binary it would replace.
 *
 * @returns {{ installed: boolean, executable: string }}
 */
export function electronInstallState(electronDir, { version, platform = process.platform, env = process.env } = {}) {
  const name = electronExecutableName(env.npm_config_platform || platform);
  const executable = env.ELECTRON_OVERRIDE_DIST_PATH ? join(env.ELECTRON_OVERRIDE_DIST_PATH, name) : join(electronDir, 'dist', name);
  if (env.ELECTRON_OVERRIDE_DIST_PATH) return { installed: existsSync(executable), executable };
  try {
    const distVersion = readFileSync(join(electronDir, 'dist', 'version'), 'utf8').trim().replace(/^v/, '');
    const pathTxt = readFileSync(join(electronDir, 'path.txt'), 'utf8');
    return { installed: distVersion === version && pathTxt === name && existsSync(executable), executable };
  } catch {
    return { installed: false, executable };
  }
}

/** The installer's own entry: run with node, cwd the package, the environment passed through untouched. */
export function electronInstallCommand(electronDir, nodeExecutable = process.execPath) {
  return { command: nodeExecutable, args: [join(electronDir, 'install.js')], cwd: electronDir };
}

/** What install.js leaves behind when it fails part-way (the zip is only cached once verified). */
export function electronLeftovers(electronDir) {
  return [join(electronDir, 'dist'), join(electronDir, 'path.txt')];
}

/**
 * The line of a tool's output that says why it failed: the first error message
 * ("HTTPError: Response code 404", node-gyp's "stack Error: 404 response downloading …"),
 * else the last line that is not a stack frame.
 */
export function installerReason(output) {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('at ') && !/^gyp ERR! stack\s+at /.test(line));
  const error = lines.find((line) => /\b\w*Error: /.test(line));
  const reason = error ?? lines.at(-1) ?? 'the tool printed nothing';
  return reason.replace(/^gyp ERR! stack /, '');
}

/** Words for a failed Electron download: what failed, the variable that fixes it, and the way round it. */
export function electronDownloadWords({ version, output, env = process.env }) {
  const source = env.ELECTRON_MIRROR ? `the mirror ELECTRON_MIRROR=${env.ELECTRON_MIRROR}` : 'GitHub (github.com/electron/electron/releases)';
  return [
    `Electron ${version} could not be downloaded from ${source}: ${installerReason(output)}`,
    `Set ELECTRON_MIRROR to a mirror that this machine can reach (for example ELECTRON_MIRROR=https://npmmirror.com/mirrors/electron/), or HTTPS_PROXY when a proxy is needed, then run "npm start" again. Nothing was left half-installed.`,
    SERVE_HINT,
  ].join('\n');
}

/** When the installer says it succeeded but there is no binary (ELECTRON_SKIP_BINARY_DOWNLOAD, say). */
export function electronMissingWords({ version, executable, env = process.env }) {
  const skipped = env.ELECTRON_SKIP_BINARY_DOWNLOAD ? ' ELECTRON_SKIP_BINARY_DOWNLOAD is set, so the installer skipped the download: unset it.' : '';
  return `Electron's installer finished, but there is no Electron ${version} at ${executable}.${skipped}\n${SERVE_HINT}`;
}

// ── better-sqlite3 for Electron ──────────────────────────────────────────────

/**
 * Where the Electron build of better-sqlite3 is kept: next to the Node build, never
 * in its place, one per better-sqlite3 version, Electron version, platform and arch.
 * The desktop shell computes the same path (src/main/sqlite-binding.ts).
 */
export function electronSqliteBindingPath({ root, electronVersion: electron, sqliteVersion: sqlite, platform = process.platform, arch = process.arch }) {
  return join(root, 'node_modules', '.cache', 'slicedeck', 'native', `better-sqlite3-${sqlite}`, `electron-v${electron}-${platform}-${arch}`, SQLITE_ADDON);
}

/** Where node-gyp is: npm hands its own to scripts (npm_config_node_gyp), else next to npm itself. */
export function nodeGypScript(env = process.env) {
  if (env.npm_config_node_gyp && existsSync(env.npm_config_node_gyp)) return env.npm_config_node_gyp;
  if (env.npm_execpath) {
    const candidate = join(dirname(dirname(env.npm_execpath)), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** Electron's headers: ELECTRON_HEADERS_MIRROR when set (same layout as electronjs.org/headers). */
export function electronHeadersUrl(env = process.env) {
  return (env.ELECTRON_HEADERS_MIRROR || ELECTRON_HEADERS_URL).replace(/\/+$/, '');
}

/**
 * prebuild-install for the electron runtime, run in a staging folder holding a copy of
 * better-sqlite3's package.json (it reads the name, version and repository from there
 * and unpacks build/Release/better_sqlite3.node into it).
 */
export function prebuiltCommand({ root, stagingDir, electronVersion: electron, platform = process.platform, arch = process.arch, nodeExecutable = process.execPath }) {
  return {
    command: nodeExecutable,
    args: [join(root, 'node_modules', 'prebuild-install', 'bin.js'), '--runtime=electron', `--target=${electron}`, `--arch=${arch}`, `--platform=${platform}`, `--path=${stagingDir}`],
    cwd: stagingDir,
    // Another runtime's npm_config_* (npm start passes some) must not change what is fetched.
    env: { npm_config_runtime: 'electron', npm_config_target: electron, npm_config_build_from_source: '' },
  };
}

/** node-gyp against Electron's headers, in a staging copy of the package's sources. */
export function sourceBuildCommand({ stagingDir, electronVersion: electron, arch = process.arch, nodeGyp, headersUrl, nodeExecutable = process.execPath }) {
  return {
    command: nodeExecutable,
    args: [nodeGyp, 'rebuild', '--release', '--jobs=max', '--runtime=electron', `--target=${electron}`, `--arch=${arch}`, `--dist-url=${headersUrl}`],
    cwd: stagingDir,
    // An npmrc `nodedir` (Node's own headers, for offline Node builds) would win over the
    // Electron target and make a Node build: blank it for this one.
    env: { npm_config_runtime: 'electron', npm_config_target: electron, npm_config_disturl: headersUrl, npm_config_nodedir: '' },
  };
}

/** The build both commands leave in the staging folder. */
export function stagedAddon(stagingDir) {
  return join(stagingDir, 'build', 'Release', SQLITE_ADDON);
}

/** A small program Electron runs as Node (ELECTRON_RUN_AS_NODE) to prove the build loads there. */
export function probeSource({ root, binding }) {
  const sqlite = join(root, 'node_modules', 'better-sqlite3');
  return `const Database = require(${JSON.stringify(sqlite)}); new Database(':memory:', { nativeBinding: ${JSON.stringify(binding)} }).close();`;
}

/** Words when neither way gave an Electron build. */
export function electronSqliteWords({ electronVersion: electron, sqliteVersion: sqlite, prebuiltOutput, sourceOutput, headersUrl, env = process.env }) {
  const host = env.npm_config_better_sqlite3_binary_host || env.npm_config_better_sqlite3_binary_host_mirror;
  return [
    `better-sqlite3 ${sqlite} has no build for Electron ${electron} here, and none could be made:`,
    `- no prebuilt binary could be downloaded (${installerReason(prebuiltOutput)})${host ? ` from npm_config_better_sqlite3_binary_host=${host}` : ' from GitHub; set npm_config_better_sqlite3_binary_host to a mirror that has it'};`,
    `- building it from source failed (${installerReason(sourceOutput)}): that needs Electron's headers from ${headersUrl} (set ELECTRON_HEADERS_MIRROR to a mirror of them) and python3, make and g++ (sudo apt-get install -y python3 make g++).`,
    `Fix one of the two, then run "npm start" again. The Node build the tests use was not touched.`,
    SERVE_HINT,
  ].join('\n');
}
