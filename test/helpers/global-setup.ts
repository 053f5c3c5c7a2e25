/**
 * vitest globalSetup: makes sure the slice image exists before any integration
 * test runs (a registry-free build, seconds; skipped when its inputs are unchanged).
 */
export default async function setup(): Promise<void> {
  const script = new URL('../../scripts/slice-image.mjs', import.meta.url).href;
  const { ensureSliceImage } = (await import(script)) as {
    ensureSliceImage: (opts?: { force?: boolean; log?: (line: string) => void }) => Promise<{ image: string; built: boolean; hash: string; ms: number }>;
  };
  const result = await ensureSliceImage({ log: (line) => process.stderr.write(`[slice-image] ${line}\n`) });
  process.stderr.write(`[slice-image] ${result.image} ${result.built ? `built in ${result.ms} ms` : 'up to date'} (${result.hash})\n`);
}
