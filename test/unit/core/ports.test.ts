import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { choosePort, isPortBindable } from '../../../src/main/core/slices/ports';

describe('choosePort', () => {
  const range = { from: 47100, to: 47103 };

  it('takes the lowest port nobody holds', () => {
    expect(choosePort(range, new Set(), new Set())).toBe(47100);
    expect(choosePort(range, new Set([47100, 47101]), new Set())).toBe(47102);
  });

  it('skips ports found busy outside slicedeck', () => {
    expect(choosePort(range, new Set([47100]), new Set([47101, 47102]))).toBe(47103);
  });

  it('answers null when the range is exhausted', () => {
    expect(choosePort(range, new Set([47100, 47101]), new Set([47102, 47103]))).toBeNull();
    expect(choosePort({ from: 50000, to: 50000 }, new Set([50000]), new Set())).toBeNull();
  });
});

describe('isPortBindable', () => {
  it('tells a port someone listens on from a free one', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    expect(await isPortBindable(port)).toBe(false);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await isPortBindable(port)).toBe(true);
  });
});
