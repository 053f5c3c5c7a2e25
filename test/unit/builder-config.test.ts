/**
 * `npm run dist`'s electron-builder configuration (scripts/lib/builder-config.mjs):
 * what goes into the app, what stays out of the asar, what ships beside it. The real
 * builder runs it in test/integration/desktop-dist.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { builderConfig, PACKAGED_SQLITE_BINDING, PRODUCT_NAME, SLICE_IMAGE_STAGE } from '../../scripts/lib/builder-config.mjs';
import { sqliteBindingFor } from '../../src/main/sqlite-binding';

const binding = '/p/node_modules/.cache/slicedeck/native/better-sqlite3-12.11.1/electron-v39.8.10-linux-x64/better_sqlite3.node';
const config = builderConfig({ electronVersion: '39.8.10', sqliteBinding: binding });

describe('the installer configuration', () => {
  it('packs the built app and the icons, never source maps or the Node build of better-sqlite3', () => {
    expect(config.files).toEqual(expect.arrayContaining(['package.json', 'out/main/**', 'out/preload/**', 'out/renderer/**', 'resources/*.png', '!**/*.map', '!node_modules/better-sqlite3/build/**']));
    expect(config.asar).toBe(true);
  });

  it('unpacks native addons from the asar, and never rebuilds node_modules in place', () => {
    expect(config.asarUnpack).toContain('**/*.node');
    expect(config.npmRebuild).toBe(false);
    expect(config.nodeGypRebuild).toBe(false);
  });

  it('ships the Electron build of better-sqlite3 where the installed shell looks for it', () => {
    expect(config.extraResources).toContainEqual({ from: binding, to: PACKAGED_SQLITE_BINDING });
    const shellLooksAt = sqliteBindingFor({ isPackaged: true, resourcesPath: '/opt/slicedeck/resources', appRoot: '/', electronVersion: '39.8.10', sqliteVersion: () => '12.11.1', platform: 'linux', arch: 'x64' });
    expect(shellLooksAt).toBe(`/opt/slicedeck/resources/${PACKAGED_SQLITE_BINDING}`);
  });

  it('ships the slice image’s build inputs as resources/slice-image (Build image from the installed app)', () => {
    expect(config.extraResources).toContainEqual(expect.objectContaining({ from: SLICE_IMAGE_STAGE, to: 'slice-image' }));
  });

  it('makes AppImage and deb on Linux, a dmg on macOS and an nsis installer on Windows, named and iconed', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    expect([config.productName, config.executableName, config.linux.executableName]).toEqual([PRODUCT_NAME, PRODUCT_NAME, PRODUCT_NAME]);
    for (const icon of [config.icon, config.linux.icon, config.mac.icon, config.win.icon]) expect(icon).toBe('resources/icon.png');
    expect(config.electronVersion).toBe('39.8.10');
  });

  it('looks for Electron’s zip in the cache Electron’s installer used (electron_config_cache), when one is set', () => {
    expect(builderConfig({ electronVersion: '39.8.10', sqliteBinding: binding, electronCache: '/c' }).electronDownload).toEqual({ cache: '/c' });
    expect(config.electronDownload).toBeUndefined();
  });
});
