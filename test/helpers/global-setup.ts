/**
 * vitest globalSetup: makes sure the slice image exists before any integration
 * test runs (a registry-free build, seconds; skipped when its inputs are unchanged).
 *
 * The tests run the build's content tag (`slicedeck-slice:<hash12>`), handed to the
 * workers as SLICEDECK_IMAGE: `:latest` is moved by every checkout that builds on this
 * engine, so a parallel run of another checkout would otherwise swap our slice code.
 */
export default async function setup(): Promise<void> {
  const script = new URL('../../scripts/slice-image.mjs', import.meta.url).href;
  const { ensureSliceImage } = (await import(script)) as {
    ensureSliceImage: (opts?: { force?: boolean; log?: (line: string) => void }) => Promise<{ image: string; pinned: string; built: boolean; hash: string; ms: number }>;
  };
  const result = await ensureSliceImage({ log: (line) => process.stderr.write(`[slice-image] ${line}\n`) });
  process.env.SLICEDECK_IMAGE = result.pinned;
  process.env.SLICEDECK_IMAGE_VARIANT = 'node';
  process.stderr.write(`[slice-image] ${result.image} ${result.built ? `built in ${result.ms} ms` : 'up to date'} (${result.hash}); tests run ${result.pinned}\n`);
}
