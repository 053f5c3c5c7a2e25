/**
 * Playwright globalSetup: the built app and the slice image must exist before any
 * browser test starts a server. The image is built when missing (registry-free,
 * seconds); a missing build is reported with the command that makes it.
 */
import { existsSync } from 'node:fs';
import { SERVE_ENTRY, sweepDeadRuns } from './panel-server';

export default async function globalSetup(): Promise<void> {
  if (!existsSync(SERVE_ENTRY)) {
    throw new Error(`${SERVE_ENTRY} is missing. Build the app first with "npx electron-vite build" (npm run e2e does it for you).`);
  }
  const script = new URL('../../scripts/slice-image.mjs', import.meta.url).href;
  const { ensureSliceImage } = (await import(script)) as {
    ensureSliceImage: (opts?: { moveTag?: boolean; log?: (line: string) => void }) => Promise<{ image: string; pinned: string; built: boolean; ms: number }>;
  };
  const result = await ensureSliceImage({ moveTag: false, log: (line) => process.stderr.write(`[slice-image] ${line}\n`) });
  // Servers run the build's content tag: `:latest` moves whenever another checkout on
  // this engine builds (workers and the servers they spawn inherit this environment).
  process.env.SLICEDECK_IMAGE = result.pinned;
  process.env.SLICEDECK_IMAGE_VARIANT = 'node';
  process.stderr.write(`[slice-image] ${result.image} ${result.built ? `built in ${result.ms} ms` : 'up to date'}; servers run ${result.pinned}\n`);
  const swept = await sweepDeadRuns();
  if (swept > 0) process.stderr.write(`[e2e] removed what ${swept} server(s) of a killed earlier run left behind\n`);
}
