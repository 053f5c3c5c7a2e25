import { isPortBindable } from '../../src/main/core/slices/ports';
import { PORT_BLOCK, PORT_BLOCKS, PORT_BLOCK_BASE_ENV, PORT_BLOCKS_FROM } from './port-block';

/**
 * vitest globalSetup: makes sure the slice image exists before any integration
 * test runs (a registry-free build, seconds; skipped when its inputs are unchanged),
 * and picks this run's block of host ports (see port-block.ts).
 *
 * The tests run the build's content tag (`slicedeck-slice:<hash12>`), handed to the
 * workers as SLICEDECK_IMAGE: `:latest` is moved by every checkout that builds on this
 * engine, so a parallel run of another checkout would otherwise swap our slice code.
 */
export default async function setup(): Promise<void> {
  const script = new URL('../../scripts/slice-image.mjs', import.meta.url).href;
  const { ensureSliceImage } = (await import(script)) as {
    ensureSliceImage: (opts?: { force?: boolean; moveTag?: boolean; log?: (line: string) => void }) => Promise<{ image: string; pinned: string; built: boolean; hash: string; ms: number }>;
  };
  const result = await ensureSliceImage({ moveTag: false, log: (line) => process.stderr.write(`[slice-image] ${line}\n`) });
  process.env.SLICEDECK_IMAGE = result.pinned;
  process.env.SLICEDECK_IMAGE_VARIANT = 'node';
  process.stderr.write(`[slice-image] ${result.image} ${result.built ? `built in ${result.ms} ms` : 'up to date'} (${result.hash}); tests run ${result.pinned}\n`);
  process.env[PORT_BLOCK_BASE_ENV] = String(await freePortBlock());
}

/**
 * Other checkouts' runs share this machine and its Docker engine: start at a random
 * block and take the first whose every port is free right now, so two runs side by
 * side seldom share ports (a block that is busy later is still skipped port by port
 * by the product itself).
 */
async function freePortBlock(): Promise<number> {
  const start = Math.floor(Math.random() * PORT_BLOCKS);
  for (let i = 0; i < PORT_BLOCKS; i++) {
    const base = PORT_BLOCKS_FROM + ((start + i) % PORT_BLOCKS) * PORT_BLOCK;
    let free = true;
    for (let port = base; port < base + PORT_BLOCK && free; port++) free = await isPortBindable(port);
    if (free) return base;
  }
  return PORT_BLOCKS_FROM + start * PORT_BLOCK;
}
