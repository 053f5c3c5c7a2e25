/**
 * `system.buildImage`: builds the configured slice image with the builder the shell
 * handed to the core. The core itself never knows where the build script lives
 * (a packaged app may not have one), so without a builder it refuses with words.
 * One build at a time; while it runs `system.status` says `building`.
 */
import type { Logger } from 'pino';
import { isSlicedeckError, SlicedeckError } from '@shared/errors';
import type { SystemStatus } from '@shared/types';
import type { SystemMonitor } from './system-status';

/** Makes `image` exist in the engine, or throws with words; `log` gets its progress lines. */
export type ImageBuilder = (opts: { image: string; log: (line: string) => void }) => Promise<void>;

export const NO_BUILDER_WORDS =
  'This slicedeck cannot build the slice image itself; run `npm run slice:image` in a terminal in the slicedeck folder (add `-- --chromium` for the real WhatsApp driver), then connect again.';

export class ImageBuild {
  private inflight: Promise<SystemStatus> | null = null;

  constructor(private readonly deps: { image: string; system: SystemMonitor; logger: Logger; builder?: ImageBuilder | undefined }) {}

  /** Starts a build, or joins the one already running. */
  build(): Promise<SystemStatus> {
    const { builder } = this.deps;
    if (!builder) return Promise.reject(new SlicedeckError('forbidden', NO_BUILDER_WORDS));
    this.inflight ??= this.run(builder).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async run(builder: ImageBuilder): Promise<SystemStatus> {
    const { image, system, logger } = this.deps;
    // Refused before anything is marked `building`: the Docker banner already says what to do.
    await system.requireDocker();
    system.setBuild({ building: true });
    await system.status(); // publishes `building`
    const log = logger.child({ image });
    log.info('slice image build started');
    let error: string | undefined;
    try {
      await builder({ image, log: (line) => log.info(line) });
      log.info('slice image build finished');
    } catch (failure) {
      error = failureWords(image, failure);
      log.warn({ err: failure }, 'slice image build failed');
    }
    system.setBuild(error ? { building: false, error } : { building: false });
    const status = await system.status();
    if (!error && status.docker === 'ok' && status.image !== 'present') {
      // A builder that "succeeded" without leaving the image behind must not look like success.
      system.setBuild({
        building: false,
        error: `The build finished, but Docker still has no image ${image}. Run \`npm run slice:image\` in a terminal to see what happens, then connect again.`,
      });
      return system.status();
    }
    return status;
  }
}

function failureWords(image: string, failure: unknown): string {
  // The builder's own refusals (a custom image, no build script) already say what to do.
  if (isSlicedeckError(failure)) return failure.message;
  const why = failure instanceof Error ? failure.message : String(failure);
  return `The slice image ${image} could not be built: ${why} Try again; \`npm run slice:image\` in a terminal shows the whole output.`;
}
