/**
 * `system.buildImage` on the real engine with the real builder (scripts/slice-image.mjs).
 * The core is configured with a throw-away tag, never `slicedeck-slice:latest`: other
 * tests use that one. The product's builder builds our node-only image and tags it as
 * the throw-away name (SLICEDECK_IMAGE_VARIANT=node); the tag is removed afterwards.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { SlicedeckError } from '@shared/errors';
import type { SystemStatus } from '@shared/types';
import type { ImageBuilder } from '../../src/main/core';
import { createSliceImageBuilder } from '../../src/main/slice-image-builder';
import { makeTestCore, type TestCore } from '../helpers/core';
import { docker, imagePresent } from '../helpers/docker';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const throwawayTag = () => `slicedeck-slice-test:build-${Math.random().toString(36).slice(2, 10)}`;

const opened: TestCore[] = [];
const tags: string[] = [];
afterAll(async () => {
  for (const t of opened) await t.cleanup();
  // Only the tags this file made; the image behind them keeps its own tags.
  for (const tag of tags) await docker.getImage(tag).remove({ noprune: true }).catch(() => undefined);
});

async function open(...args: Parameters<typeof makeTestCore>): Promise<TestCore> {
  const t = await makeTestCore(...args);
  opened.push(t);
  return t;
}

async function refusal(promise: Promise<unknown>): Promise<SlicedeckError> {
  const outcome = await promise.then(
    () => null,
    (error: SlicedeckError) => error,
  );
  if (!outcome) throw new Error('expected the command to be refused');
  return outcome;
}

describe('system.buildImage', () => {
  it('builds a missing image (missing → building → present, one build for two clicks), and Connect works afterwards', async () => {
    const image = throwawayTag();
    tags.push(image);
    const real = createSliceImageBuilder({ appRoot: ROOT, variant: 'node' });
    let builds = 0;
    let seenWhileBuilding: SystemStatus | null = null;
    let t: TestCore | null = null;
    // The product's builder, plus a look at what `system.status` answers while it runs.
    const builder: ImageBuilder = async (opts) => {
      builds++;
      seenWhileBuilding = await t!.call('system.status');
      await real(opts);
    };
    t = await open({ image, imageVariant: 'node' }, { imageBuilder: builder });

    const before = await t.call('system.status');
    expect(before).toMatchObject({ docker: 'ok', image: 'missing', imageName: image });
    expect(before.imageError).toBeUndefined();

    const [first, second] = await Promise.all([t.call('system.buildImage'), t.call('system.buildImage')]);
    expect(builds).toBe(1);
    expect(seenWhileBuilding).toMatchObject({ image: 'building', imageName: image });
    expect(first).toMatchObject({ docker: 'ok', image: 'present', imageName: image });
    expect(second).toEqual(first);
    expect(first.imageError).toBeUndefined();
    expect(await imagePresent(image)).toBe(true);

    // The panel learns both changes from events, in order.
    const images = t.events.of('system').map((s) => s.image);
    expect(images).toEqual(['building', 'present']);

    // The builder's lines reach the core's log.
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(`${t.dataDir}/test.log`, 'utf8')).toContain(`slice image: tagged slicedeck-slice:latest as ${image}`);

    const account = await t.call('accounts.add', { name: 'Built' });
    const result = await t.call('slices.connect', { accountId: account.id });
    expect(result.status).toBe('provisioned');
    const view = await t.events.waitForStage(account.id, 'qr');
    expect(view.qr).toMatchObject({ index: 1 });
  });

  it('refuses with words when this slicedeck was given no builder', async () => {
    const t = await open({ image: throwawayTag() });
    const error = await refusal(t.call('system.buildImage'));
    expect(error.code).toBe('forbidden');
    expect(error.message).toContain('cannot build the slice image itself');
    expect(error.message).toContain('npm run slice:image');
    expect(t.events.of('system')).toEqual([]);
  });

  it('refuses while Docker is unreachable, without starting a build', async () => {
    let builds = 0;
    const t = await open(
      { image: throwawayTag() },
      {
        docker: { socketPath: '/tmp/slicedeck-build-image-test-no-docker.sock' },
        imageBuilder: async () => {
          builds++;
        },
      },
    );
    const error = await refusal(t.call('system.buildImage'));
    expect(error.code).toBe('docker_unreachable');
    expect(builds).toBe(0);
    expect(t.events.of('system').map((s) => s.image)).not.toContain('building');
  });

  it('a build that fails ends in missing with readable words, published as an event', async () => {
    // A custom name without SLICEDECK_IMAGE_VARIANT: the real builder refuses to guess what it should hold.
    const image = throwawayTag();
    const t = await open({ image }, { imageBuilder: createSliceImageBuilder({ appRoot: ROOT, variant: null }) });
    const status = await t.call('system.buildImage');
    expect(status).toMatchObject({ docker: 'ok', image: 'missing' });
    expect(status.imageError).toContain(`SLICEDECK_IMAGE is ${image}`);
    expect(status.imageError).toContain('SLICEDECK_IMAGE_VARIANT');
    expect(t.events.of('system').map((s) => s.image)).toEqual(['building', 'missing']);
    expect(t.events.of('system').at(-1)?.imageError).toBe(status.imageError);
    // The words stay until something changes, so a reload still shows them.
    expect((await t.call('system.status')).imageError).toBe(status.imageError);
    expect(await imagePresent(image)).toBe(false);
  });
});
