/**
 * The electron-builder configuration of `npm run dist`, as a function of where the
 * set-up left its inputs (unit-tested in test/unit/builder-config.test.ts).
 *
 * - The app is the electron-vite output (out/main, out/preload, out/renderer), the
 *   icons, and the runtime dependencies, in an asar.
 * - better-sqlite3's own build in node_modules is the Node one and is left out; the
 *   Electron build the set-up made (node_modules/.cache/slicedeck/native/…) ships as
 *   resources/native/better_sqlite3.node, outside the asar (an addon must be a real
 *   file to be loaded), and the shell hands it to better-sqlite3 (src/main/sqlite-binding.ts).
 *   Any other addon a dependency may bring is unpacked from the asar (`asarUnpack`).
 *   electron-builder's own rebuild stays off: it would rebuild node_modules in place,
 *   the very thing the side-by-side builds avoid.
 * - The slice image's build inputs ship as resources/slice-image (the two scripts, the
 *   slice bundle prebuilt at packaging time, the versions the build reads), so Build
 *   image works from the installed app, which has no scripts/ and no dev dependencies.
 * - Linux: AppImage and deb; macOS: dmg; Windows: nsis. Data stays in the platform's
 *   app-data folder (Electron's userData, as in development).
 */
import { join } from 'node:path';

export const PRODUCT_NAME = 'slicedeck';
export const APP_ID = 'dev.slicedeck.panel';
/** Where `npm run dist` stages the slice image's build inputs before packaging. */
export const SLICE_IMAGE_STAGE = join('out', 'slice-image');
/** Relative to the app's resources folder; src/main/sqlite-binding.ts reads the same path. */
export const PACKAGED_SQLITE_BINDING = 'native/better_sqlite3.node';

/**
 * @param {{ electronVersion: string, sqliteBinding: string, sliceImageStage?: string, electronCache?: string }} inputs
 *   `sqliteBinding`: the Electron build of better-sqlite3 (absolute path).
 *   `electronCache`: electron_config_cache, when set — Electron's installer cached the
 *   zip there, and the builder then finds it instead of downloading it a second time.
 */
export function builderConfig({ electronVersion, sqliteBinding, sliceImageStage = SLICE_IMAGE_STAGE, electronCache }) {
  return {
    appId: APP_ID,
    productName: PRODUCT_NAME,
    executableName: PRODUCT_NAME,
    copyright: 'slicedeck',
    electronVersion,
    directories: { output: 'dist', buildResources: 'resources' },
    // Electron's zip comes through Electron's own download settings (ELECTRON_MIRROR, its cache).
    ...(electronCache ? { electronDownload: { cache: electronCache } } : {}),
    files: [
      'package.json',
      'out/main/**',
      'out/preload/**',
      'out/renderer/**',
      'resources/*.png',
      '!**/*.map',
      // The Node build and the sources of better-sqlite3: the app loads resources/native instead.
      '!node_modules/better-sqlite3/build/**',
      '!node_modules/better-sqlite3/deps/**',
      '!node_modules/better-sqlite3/src/**',
    ],
    asar: true,
    asarUnpack: ['**/*.node'],
    npmRebuild: false,
    nodeGypRebuild: false,
    buildDependenciesFromSource: false,
    extraResources: [
      { from: sqliteBinding, to: PACKAGED_SQLITE_BINDING },
      { from: sliceImageStage, to: 'slice-image', filter: ['**/*'] },
    ],
    icon: 'resources/icon.png',
    linux: {
      target: ['AppImage', 'deb'],
      category: 'Utility',
      icon: 'resources/icon.png',
      synopsis: 'Connect WhatsApp accounts, each in its own Docker slice',
      maintainer: 'slicedeck maintainers <maintainers@slicedeck.invalid>',
      executableName: PRODUCT_NAME,
    },
    // The slices need a Docker engine; the panel says so when none answers, so it is a recommendation.
    deb: { recommends: ['docker.io | docker-ce'] },
    appImage: { artifactName: '${productName}-${version}-${arch}.${ext}' },
    mac: { target: ['dmg'], category: 'public.app-category.utilities', icon: 'resources/icon.png' },
    dmg: { artifactName: '${productName}-${version}-${arch}.${ext}' },
    win: { target: ['nsis'], icon: 'resources/icon.png' },
    nsis: { oneClick: false, perMachine: false, allowToChangeInstallationDirectory: true, artifactName: '${productName}-Setup-${version}.${ext}' },
    publish: null,
  };
}
