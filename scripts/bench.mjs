#!/usr/bin/env node
// Bundles bench/bench.ts (which drives the real core against the real engine)
// with esbuild, dependencies left external, then runs it under plain Node.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = resolve(root, 'out/bench/bench.mjs');

await build({
  entryPoints: [resolve(root, 'bench/bench.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  alias: { '@shared': resolve(root, 'src/shared') },
  logLevel: 'warning',
});

const run = spawnSync(process.execPath, [outfile], { cwd: root, stdio: 'inherit', env: process.env });
process.exit(run.status ?? 1);
