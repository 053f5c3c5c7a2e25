import { describe, expect, it } from 'vitest';
import { SlicedeckError } from '@shared/errors';
import { loadConfig } from '../../../src/main/core/config';
import { planImageBuild } from '../../../src/main/slice-image-builder';

describe('planImageBuild', () => {
  it('builds our own tags as they are, the Chromium one with Chromium', () => {
    expect(planImageBuild('slicedeck-slice:latest', null)).toEqual({ withChromium: false, retagAs: null });
    expect(planImageBuild('slicedeck-slice:chromium', null)).toEqual({ withChromium: true, retagAs: null });
    // The variant only matters for a custom name.
    expect(planImageBuild('slicedeck-slice:chromium', 'node')).toEqual({ withChromium: true, retagAs: null });
  });

  it('builds our image under a custom name only when SLICEDECK_IMAGE_VARIANT says which', () => {
    expect(planImageBuild('my/slice:dev', 'node')).toEqual({ withChromium: false, retagAs: 'my/slice:dev' });
    expect(planImageBuild('my/slice:dev', 'chromium')).toEqual({ withChromium: true, retagAs: 'my/slice:dev' });
  });

  it('refuses a custom name otherwise, saying whose it is to build and how to change that', () => {
    let refused: unknown;
    try {
      planImageBuild('my/slice:dev', null);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(SlicedeckError);
    expect((refused as SlicedeckError).message).toMatch(/SLICEDECK_IMAGE is my\/slice:dev.*yours to build.*SLICEDECK_IMAGE_VARIANT=node/);
  });
});

describe('SLICEDECK_IMAGE_VARIANT', () => {
  it('is unset by default and accepts node or chromium, refusing anything else with words', () => {
    expect(loadConfig({ HOME: '/home/op' }).imageVariant).toBeNull();
    expect(loadConfig({ HOME: '/home/op', SLICEDECK_IMAGE_VARIANT: 'chromium' }).imageVariant).toBe('chromium');
    expect(() => loadConfig({ HOME: '/home/op', SLICEDECK_IMAGE_VARIANT: 'alpine' })).toThrow(/SLICEDECK_IMAGE_VARIANT="alpine" is not valid: use one of node, chromium/);
  });
});
