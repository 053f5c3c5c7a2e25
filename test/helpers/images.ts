/**
 * The Chromium slice image (real whatsapp-web.js driver) is built on demand, once:
 * about two minutes from scratch on this machine, then cached by content hash.
 */
export const CHROMIUM_SLICE_IMAGE_FOR_TESTS = 'slicedeck-slice:chromium';

type EnsureSliceImage = (opts?: { withChromium?: boolean; moveTag?: boolean; log?: (line: string) => void }) => Promise<{ image: string; pinned: string; built: boolean; ms: number }>;

/**
 * Returns the build's content tag (`slicedeck-slice:chromium-<hash12>`), the one tests
 * should run: `:chromium` moves whenever another checkout on this engine builds.
 */
export async function ensureChromiumImage(): Promise<string> {
  const script = new URL('../../scripts/slice-image.mjs', import.meta.url).href;
  const { ensureSliceImage } = (await import(script)) as { ensureSliceImage: EnsureSliceImage };
  const result = await ensureSliceImage({ withChromium: true, moveTag: false, log: (line) => process.stderr.write(`[slice-image:chromium] ${line}\n`) });
  if (result.image !== CHROMIUM_SLICE_IMAGE_FOR_TESTS) throw new Error(`expected ${CHROMIUM_SLICE_IMAGE_FOR_TESTS}, got ${result.image}`);
  return result.pinned;
}
