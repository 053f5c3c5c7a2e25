import { afterEach, describe, expect, it } from 'vitest';

const script = new URL('../../../scripts/slice-image.mjs', import.meta.url).href;
const images = (await import(script)) as {
  ensureSliceImage: (opts?: { force?: boolean; withChromium?: boolean; log?: (line: string) => void }) => Promise<unknown>;
  sliceInputHash: (extra?: string[]) => string;
  sliceImageName: (opts?: { withChromium?: boolean }) => string;
};

const savedDockerHost = process.env.DOCKER_HOST;
afterEach(() => {
  if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = savedDockerHost;
});

describe('scripts/slice-image.mjs', () => {
  it('hashes its inputs deterministically, and per variant', () => {
    expect(images.sliceInputHash(['variant:node'])).toBe(images.sliceInputHash(['variant:node']));
    expect(images.sliceInputHash(['variant:node'])).not.toBe(images.sliceInputHash(['variant:chromium']));
    expect(images.sliceInputHash()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names one image per driver need', () => {
    expect(images.sliceImageName()).toBe('slicedeck-slice:latest');
    expect(images.sliceImageName({ withChromium: true })).toBe('slicedeck-slice:chromium');
  });

  it('says what to do when Docker is unreachable', async () => {
    process.env.DOCKER_HOST = 'unix:///nonexistent/slicedeck-test.sock';
    await expect(images.ensureSliceImage({ log: () => undefined })).rejects.toThrow(/Docker is not reachable.*Start the Docker engine/s);
  });
});
