#!/usr/bin/env node
// Bundles bench/bench.ts (which drives the real core against the real engine)
// with esbuild, dependencies left external, then runs it under plain Node.
import { bundleTs } from './lib/bundle-ts.mjs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { basename, dirname, resolve } from 'node:path';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// `node scripts/bench.mjs [bench/<name>.ts]`: bench/bench.ts unless another bench is named.
const entry = process.argv[2] ?? 'bench/bench.ts';
const outfile = resolve(root, 'out/bench', basename(entry).replace(/\.ts$/, '.mjs'));

await bundleTs(root, entry, outfile);

const run = spawnSync(process.execPath, [outfile], { cwd: root, stdio: 'inherit', env: process.env });
process.exit(run.status ?? 1);
