#!/usr/bin/env node
/**
 * Bundles the slice service (src/slice/main.ts) into one ESM file,
 * out/slice/slice.mjs, for the slice image. whatsapp-web.js stays external: the
 * real driver loads it by dynamic import only when SLICE_DRIVER=whatsapp-web.js,
 * so the node-only image for the simulated driver needs no node_modules at all.
 *
 *   node scripts/build-slice.mjs            → out/slice/slice.mjs
 *   import { buildSlice } from './build-slice.mjs'; await buildSlice({ outfile })
 */
import { build } from 'esbuild';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SLICE_ENTRY = resolve(ROOT, 'src/slice/main.ts');
export const DEFAULT_SLICE_BUNDLE = resolve(ROOT, 'out/slice/slice.mjs');

/** Packages the bundle must not contain (loaded at run time inside the image). */
export const SLICE_EXTERNALS = ['whatsapp-web.js'];

export async function buildSlice({ outfile = DEFAULT_SLICE_BUNDLE, minify = false } = {}) {
  const started = performance.now();
  await build({
    entryPoints: [SLICE_ENTRY],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    alias: { '@shared': resolve(ROOT, 'src/shared') },
    external: SLICE_EXTERNALS,
    minify,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    // Bundled CommonJS (zod is ESM, but be safe) sometimes needs `require` in ESM output.
    banner: { js: "import { createRequire as __sliceCreateRequire } from 'node:module'; const require = __sliceCreateRequire(import.meta.url);" },
  });
  return { outfile, ms: Math.round(performance.now() - started) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildSlice()
    .then(({ outfile, ms }) => console.log(`slice bundle: ${outfile} (${ms} ms)`))
    .catch((error) => {
      console.error(`Could not bundle the slice: ${error.message}`);
      process.exit(1);
    });
}
