import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../../src/main/core/slices/keyed-lock';

describe('KeyedLock', () => {
  it('runs work for one key one at a time, in order, even after a failure', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = lock.run('a', async () => {
      log.push('first:start');
      await gate;
      log.push('first:end');
      throw new Error('boom');
    });
    const second = lock.run('a', async () => {
      log.push('second');
    });
    const other = lock.run('b', async () => {
      log.push('other-key');
    });
    await other;
    expect(log).toEqual(['first:start', 'other-key']);
    release();
    await expect(first).rejects.toThrow('boom');
    await second;
    expect(log).toEqual(['first:start', 'other-key', 'first:end', 'second']);
    await lock.idle();
  });
});
