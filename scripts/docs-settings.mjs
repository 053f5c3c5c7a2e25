#!/usr/bin/env node
// `npm run docs:settings`: prints the settings tables into README.md and src/slice/README.md
// from their declarations (scripts/settings-docs.ts says which and where). Bundled with
// esbuild like the bench, then run under plain Node. `--check`: change nothing, exit 1 when a
// table differs (the readme-settings test checks the same in the suite).
import { bundleTs } from './lib/bundle-ts.mjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = resolve(root, 'out/scripts/settings-docs.mjs');
await bundleTs(root, 'scripts/settings-docs.ts', outfile);
const { SETTINGS_DOCS, withTable } = await import(pathToFileURL(outfile).href);

const check = process.argv.includes('--check');
let differs = 0;
for (const doc of SETTINGS_DOCS) {
  const path = resolve(root, doc.file);
  const before = readFileSync(path, 'utf8');
  const after = withTable(before, doc);
  if (after === before) continue;
  differs += 1;
  if (check) console.error(`${doc.file}: its settings table differs from ${doc.declaredIn}; run npm run docs:settings`);
  else {
    writeFileSync(path, after);
    console.log(`${doc.file}: settings table printed from ${doc.declaredIn}`);
  }
}
process.exit(check && differs ? 1 : 0);
