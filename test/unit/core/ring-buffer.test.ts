import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../../src/main/core/slices/ring-buffer';

describe('RingBuffer', () => {
  it('keeps everything, oldest first, until it is full', () => {
    const ring = new RingBuffer<number>(3);
    expect(ring.toArray()).toEqual([]);
    ring.push(1);
    ring.push(2);
    expect(ring.toArray()).toEqual([1, 2]);
    expect(ring.size).toBe(2);
  });

  it('drops the oldest once full, and never grows past its capacity', () => {
    const ring = new RingBuffer<number>(3);
    for (let i = 1; i <= 10; i += 1) {
      ring.push(i);
      expect(ring.size).toBe(Math.min(i, 3));
    }
    expect(ring.toArray()).toEqual([8, 9, 10]);
  });

  it('hands out a copy, not its storage', () => {
    const ring = new RingBuffer<number>(2);
    ring.push(1);
    const copy = ring.toArray();
    copy.push(99);
    expect(ring.toArray()).toEqual([1]);
  });

  it('refuses a capacity that cannot hold anything', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });
});
