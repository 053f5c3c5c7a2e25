// One TypeScript entry bundled for plain Node with esbuild, `@shared` resolved as the app
// does and packages left external: how the bench and the settings docs run source files
// without a build of the app.
import { build } from 'esbuild';
import { resolve } from 'node:path';

/** Bundles `entry` (from `root`) into `outfile`; returns `outfile`. */
export async function bundleTs(root, entry, outfile) {
  await build({
    entryPoints: [resolve(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    alias: { '@shared': resolve(root, 'src/shared') },
    logLevel: 'warning',
  });
  return outfile;
}
