#!/usr/bin/env node
/**
 * `npm run dist` after `scripts/setup.mjs dist` (dependencies, the build, Electron and
 * its better-sqlite3 build): packages the desktop app with electron-builder.
 *
 *   npm run dist                    → this platform's installers (Linux: AppImage + deb)
 *   npm run dist -- --linux dir     → the unpacked app only (dist/linux-unpacked)
 *   npm run dist -- --mac / --win   → dmg / nsis (on those systems)
 *
 * 1. Stages the slice image's build inputs in out/slice-image (the two scripts, the
 *    slice bundle built now, the versions the build reads), so the installed app can
 *    build the image without scripts/ or dev dependencies.
 * 2. Writes the builder configuration (lib/builder-config.mjs) to out/electron-builder.json
 *    and runs electron-builder with it; other arguments pass through.
 * 3. Lists what it made, with sizes.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builderConfig, SLICE_IMAGE_STAGE } from './lib/builder-config.mjs';
import { electronSqliteBindingPath, electronVersion, sqliteVersion } from './lib/electron-setup.mjs';
import { run } from './lib/proc.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG_FILE = join(ROOT, 'out', 'electron-builder.json');
/** The packages whose versions scripts/slice-image.mjs reads from node_modules (absent in an installed app). */
const VERSIONS_SHIPPED = ['whatsapp-web.js', 'esbuild', 'zod'];

function packageVersion(name) {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/** out/slice-image: what resources/slice-image holds in the installed app. */
export async function stageSliceImageInputs(root = ROOT, stage = join(root, SLICE_IMAGE_STAGE)) {
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, 'scripts'), { recursive: true });
  for (const script of ['slice-image.mjs', 'build-slice.mjs']) cpSync(join(root, 'scripts', script), join(stage, 'scripts', script));
  const { buildSlice } = await import(join(root, 'scripts', 'build-slice.mjs'));
  await buildSlice({ outfile: join(stage, 'prebuilt', 'slice.mjs') });
  const versions = Object.fromEntries(VERSIONS_SHIPPED.map((name) => [name, packageVersion(name)]));
  writeFileSync(join(stage, 'prebuilt', 'versions.json'), `${JSON.stringify(versions, null, 2)}\n`);
  return stage;
}

function sizeOf(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.size;
  return readdirSync(path).reduce((sum, entry) => sum + sizeOf(join(path, entry)), 0);
}

const megabytes = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(args) {
  const version = electronVersion(ROOT);
  const sqliteBinding = electronSqliteBindingPath({ root: ROOT, electronVersion: version, sqliteVersion: sqliteVersion(ROOT) });
  if (!existsSync(sqliteBinding)) {
    console.error(`better-sqlite3 has no Electron build (${sqliteBinding}); "npm run dist" makes it in its set-up. Run "npm run dist", not this script alone.`);
    return 1;
  }
  await stageSliceImageInputs();
  writeFileSync(CONFIG_FILE, `${JSON.stringify(builderConfig({ electronVersion: version, sqliteBinding, electronCache: process.env.electron_config_cache }), null, 2)}\n`);

  const cli = join(ROOT, 'node_modules', 'electron-builder', 'cli.js');
  const result = await run(process.execPath, [cli, '--config', CONFIG_FILE, '--publish', 'never', ...args], { cwd: ROOT });
  if (result.code !== 0) {
    console.error(
      [
        '',
        'electron-builder stopped (above).',
        `- Electron's own zip comes from ELECTRON_MIRROR (or electron_config_cache) when GitHub is out of reach.`,
        '- AppImage, deb, rpm, dmg and nsis need tools electron-builder downloads from GitHub (the AppImage runtime, fpm, nsis): set ELECTRON_BUILDER_BINARIES_MIRROR to a mirror of github.com/electron-userland/electron-builder-binaries/releases/download/.',
        '- "npm run dist -- --linux dir" makes the unpacked app (dist/linux-unpacked) with no tool download.',
      ].join('\n'),
    );
    return result.code || 1;
  }
  const dist = join(ROOT, 'dist');
  const made = existsSync(dist) ? readdirSync(dist).filter((name) => !name.endsWith('.yml') && !name.endsWith('.yaml') && name !== 'builder-debug.yml' && !name.endsWith('.blockmap')) : [];
  console.log('\nnpm run dist made:');
  for (const name of made) console.log(`  dist/${name}  ${megabytes(sizeOf(join(dist, name)))}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
