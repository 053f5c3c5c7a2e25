#!/usr/bin/env node
// `npm run docs:openapi`: writes docs/openapi.json from the contract (src/shared/openapi.ts),
// bundled by scripts/lib/bundle-ts.mjs as the bench and docs:settings are. `--check` only says whether the committed file is current.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleTs } from './lib/bundle-ts.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = await bundleTs(root, 'src/shared/openapi.ts', resolve(root, 'out/scripts/openapi.mjs'));
const { openApiText } = await import(pathToFileURL(outfile).href);
const target = resolve(root, 'docs/openapi.json');
const text = openApiText();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== text) {
    process.stderr.write('docs/openapi.json is not what the contract gives: run `npm run docs:openapi` and commit it.\n');
    process.exit(1);
  }
  process.stdout.write('docs/openapi.json is current.\n');
} else {
  writeFileSync(target, text);
  process.stdout.write(`wrote ${target}\n`);
}
