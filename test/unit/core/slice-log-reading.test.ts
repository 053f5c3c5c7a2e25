/**
 * Reading a slice's log (issue 21 part 4): Docker's multiplexed frames split anywhere,
 * bounded per line and in lines kept; the slice's token masked, whole or cut at a line's end.
 */
import { describe, expect, it } from 'vitest';
import { LogFrameParser } from '../../../src/main/core/docker/container-logs';
import { SECRET_MASK, maskSecret } from '../../../src/main/core/logs/mask-secret';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('LogFrameParser', () => {
  it('reads lines, their stream and time, whatever the chunks the engine sends', () => {
    const bytes = Buffer.concat([
      frame(1, '2026-12-07T10:00:00.123456789Z first line\n'),
      frame(2, '2026-12-07T10:00:01.5Z {"level":"warn"}\n'),
      frame(1, 'no time here\n'),
    ]);
    for (const size of [1, 3, 8, 13, bytes.length]) {
      const parser = new LogFrameParser(10, 1_000);
      for (let at = 0; at < bytes.length; at += size) parser.push(bytes.subarray(at, at + size));
      expect(parser.finish()).toEqual([
        { at: Date.parse('2026-12-07T10:00:00.123Z'), stream: 'stdout', text: 'first line' },
        { at: Date.parse('2026-12-07T10:00:01.500Z'), stream: 'stderr', text: '{"level":"warn"}' },
        { at: null, stream: 'stdout', text: 'no time here' },
      ]);
    }
  });

  it('keeps only the newest lines and cuts each to its byte cap', () => {
    const parser = new LogFrameParser(2, 10);
    for (let i = 0; i < 5; i++) parser.push(frame(1, `line ${i} ${'x'.repeat(100)}\n`));
    expect(parser.finish().map((line) => line.text)).toEqual(['line 3 xxx', 'line 4 xxx']);
  });
});

describe('maskSecret', () => {
  const token = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd';
  it('masks every whole occurrence', () => {
    expect(maskSecret(`Bearer ${token} and again ${token}.`, token)).toBe(`Bearer ${SECRET_MASK} and again ${SECRET_MASK}.`);
  });
  it('masks the start of one cut at the end of a line, and the rest of one at the start', () => {
    expect(maskSecret(`token=${token.slice(0, 20)}`, token)).toBe(`token=${SECRET_MASK}`);
    expect(maskSecret(`${token.slice(15)} rest`, token)).toBe(`${SECRET_MASK} rest`);
  });
  it('leaves text without it alone', () => {
    expect(maskSecret('nothing secret: AbCd', token)).toBe('nothing secret: AbCd');
  });
});
