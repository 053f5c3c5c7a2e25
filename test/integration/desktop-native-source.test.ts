/**
 * The second way to an Electron build of better-sqlite3, end to end: no prebuilt binary
 * for the electron runtime (the mirror answers 404), so `npm start`'s set-up compiles one
 * from a copy of the package's sources with npm's node-gyp against "Electron's headers"
 * from ELECTRON_HEADERS_MIRROR — here Node's own headers served as Electron's, so the
 * result loads in the stand-in Electron, which is Node — and keeps it beside the Node
 * build, which it never touches. A user's npmrc `nodedir` (this machine has one) must
 * not turn it into a Node build (node-gyp would then use those and never ask the mirror).
 *
 * Compiling takes about three minutes on two shared cores and takes both, so it runs
 * only when asked (SLICEDECK_TEST_NATIVE_SOURCE=1) and is counted as skipped otherwise;
 * the commands and words of this path are unit-tested in test/unit/setup-electron.test.ts.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { electronSqliteBindingPath } from '../../scripts/lib/electron-setup.mjs';
import { startElectronMirror, type ElectronMirror } from '../helpers/electron-mirror';
import { makeProjectCopy, REPO, type ProjectCopy } from '../helpers/project-copy';

const NODE_HEADERS = '/usr/include/node';
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { version: string };
const ELECTRON_VERSION = readJson(join(REPO, 'node_modules/electron/package.json')).version;
const SQLITE_VERSION = readJson(join(REPO, 'node_modules/better-sqlite3/package.json')).version;
const NODE_BUILD = join(REPO, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

let scratch: string;
let project: ProjectCopy;
let mirror: ElectronMirror;

const ASKED = process.env.SLICEDECK_TEST_NATIVE_SOURCE === '1';

beforeAll(async () => {
  if (!ASKED) return;
  // A precondition, not a reason to pass quietly: this machine type builds native modules from these.
  if (!existsSync(join(NODE_HEADERS, 'node.h'))) throw new Error(`${NODE_HEADERS} has no Node headers (node.h) to serve as Electron's; install the nodejs headers (apt-get install -y libnode-dev or nodejs) and run again.`);
  scratch = mkdtempSync(join(tmpdir(), 'slicedeck-native-source-'));
  project = makeProjectCopy();
  mirror = await startElectronMirror({ electronVersion: ELECTRON_VERSION, headersFrom: NODE_HEADERS });
}, 120_000);
afterAll(async () => {
  await mirror?.close();
  project?.remove();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(!ASKED)('npm start without a prebuilt better-sqlite3 for Electron (SLICEDECK_TEST_NATIVE_SOURCE=1: compiles for ~3 min)', () => {
  it('compiles one against Electron’s headers from the mirror, beside the Node build', async () => {
    const nodeBuildBefore = sha(NODE_BUILD);
    const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && !/^ELECTRON_/.test(key)));
    const run = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        'npm',
        ['start'],
        {
          cwd: project.root,
          timeout: 600_000,
          maxBuffer: 64 * 1024 * 1024,
          env: {
            ...base,
            ELECTRON_MIRROR: mirror.url,
            electron_use_remote_checksums: '1',
            electron_config_cache: join(scratch, 'electron-cache'),
            npm_config_better_sqlite3_binary_host: mirror.sqliteHost, // answers 404: no prebuilt
            ELECTRON_HEADERS_MIRROR: `${mirror.url}headers`,
            npm_config_devdir: join(scratch, 'node-gyp'),
            npm_config_cache: join(scratch, 'npm-cache'),
            npm_config_update_notifier: 'false',
            XDG_CACHE_HOME: join(scratch, 'xdg-cache'),
            SLICEDECK_DATA_DIR: join(scratch, 'data'),
            SLICEDECK_IMAGE: 'slicedeck-native-source-test:none',
            SLICEDECK_STANDIN_RECORD: join(scratch, 'launched.txt'),
          },
        },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` }),
      );
    });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/setup ▸ better-sqlite3 for electron: built from source against its headers for Electron /);
    expect(mirror.requests).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/better-sqlite3\/v.*-electron-v\d+-/), // the prebuilt was asked for first
        `/headers/v${ELECTRON_VERSION}/node-v${ELECTRON_VERSION}-headers.tar.gz`,
        `/headers/v${ELECTRON_VERSION}/SHASUMS256.txt`,
      ]),
    );
    expect(existsSync(electronSqliteBindingPath({ root: project.root, electronVersion: ELECTRON_VERSION, sqliteVersion: SQLITE_VERSION }))).toBe(true);
    expect(sha(NODE_BUILD)).toBe(nodeBuildBefore);
    expect(readFileSync(join(scratch, 'launched.txt'), 'utf8')).toContain(`arg=${join(project.root, 'out', 'main', 'index.js')}`);
  }, 660_000);
});
