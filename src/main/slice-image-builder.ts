/**
 * The image builder both shells (serve.ts, index.ts) hand to the core: the very build
 * of `npm run slice:image` (scripts/slice-image.mjs), run from the app's folder.
 * It lives outside the core because only the shell knows where that folder is.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { SlicedeckError } from '@shared/errors';
import type { ImageBuilder } from './core';
import { DEFAULT_CHROMIUM_IMAGE, DEFAULT_IMAGE, type ImageVariant } from './core/config';

const execFileAsync = promisify(execFile);

export interface ImageBuildPlan {
  /** Which of our two images scripts/slice-image.mjs builds. */
  withChromium: boolean;
  /** The name it is tagged as afterwards when the configured one is a custom name; null when it is ours. */
  retagAs: string | null;
}

/** Our own tags are built as they are; a custom name only with an explicit SLICEDECK_IMAGE_VARIANT. */
export function planImageBuild(image: string, variant: ImageVariant | null): ImageBuildPlan {
  if (image === DEFAULT_CHROMIUM_IMAGE) return { withChromium: true, retagAs: null };
  if (image === DEFAULT_IMAGE) return { withChromium: false, retagAs: null };
  if (variant) return { withChromium: variant === 'chromium', retagAs: image };
  throw new SlicedeckError(
    'forbidden',
    `SLICEDECK_IMAGE is ${image}, which is not one of slicedeck's own images (${DEFAULT_IMAGE}, ${DEFAULT_CHROMIUM_IMAGE}), so it is yours to build: build or load ${image} with Docker, then connect again. To have slicedeck build its own image under that name, set SLICEDECK_IMAGE_VARIANT=node (or chromium) and restart slicedeck.`,
  );
}

/** What this module uses of scripts/slice-image.mjs (plain JS, so typed here). */
interface SliceImageScript {
  ensureSliceImage(opts: { withChromium: boolean; log: (line: string) => void; cacheDir?: string | undefined }): Promise<{ image: string; built: boolean }>;
  dockerCli(): string;
}

/**
 * `appRoot`: the folder holding scripts/ — the source folder (from out/main/*.js, `../..`),
 * or in the installed app resources/slice-image (what `npm run dist` ships: the two
 * scripts and the prebuilt slice bundle). `cacheDir`: where the build may keep
 * downloads (whatsapp-web.js's modules); the installed app's resources are read-only.
 */
export function createSliceImageBuilder(opts: { appRoot: string; variant: ImageVariant | null; cacheDir?: string }): ImageBuilder {
  return async ({ image, log }) => {
    const plan = planImageBuild(image, opts.variant);
    const script = join(opts.appRoot, 'scripts', 'slice-image.mjs');
    if (!existsSync(script)) {
      throw new SlicedeckError(
        'forbidden',
        `This install of slicedeck has no build script (${script} is missing), so it cannot build the slice image. Build ${image} from a slicedeck source folder with \`npm run slice:image\`, then connect again.`,
      );
    }
    // A run-time path on purpose: the script is not part of the bundle, it is the same file the CLI runs.
    const { ensureSliceImage, dockerCli } = (await import(/* @vite-ignore */ pathToFileURL(script).href)) as SliceImageScript;
    const result = await ensureSliceImage({ withChromium: plan.withChromium, log, cacheDir: opts.cacheDir });
    if (plan.retagAs) {
      await execFileAsync(dockerCli(), ['tag', result.image, plan.retagAs]);
      log(`slice image: tagged ${result.image} as ${plan.retagAs}`);
    }
  };
}
