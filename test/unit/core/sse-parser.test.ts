import { describe, expect, it } from 'vitest';
import { SseLimitError, SseParser, type SseMessage } from '../../../src/main/core/sse-parser';

function parseAll(chunks: string[]): SseMessage[] {
  const messages: SseMessage[] = [];
  const parser = new SseParser((m) => messages.push(m));
  for (const chunk of chunks) parser.feed(chunk);
  return messages;
}

describe('SseParser', () => {
  it('reads named events with JSON data', () => {
    expect(parseAll(['event: qr\ndata: {"index":1}\n\n'])).toEqual([{ event: 'qr', data: '{"index":1}' }]);
  });

  it('copes with chunks split anywhere, including inside CRLF', () => {
    const text = 'event: ready\r\ndata: {}\r\n\r\nevent: contacts\r\ndata: {"count":3}\r\n\r\n';
    const oneByOne = parseAll([...text]);
    expect(oneByOne).toEqual([
      { event: 'ready', data: '{}' },
      { event: 'contacts', data: '{"count":3}' },
    ]);
  });

  it('joins multi-line data, ignores comments, defaults the event name', () => {
    expect(parseAll([': keep-alive\n', 'data: a\ndata: b\nid: 7\n\n'])).toEqual([{ event: 'message', data: 'a\nb', id: '7' }]);
  });

  it('does not dispatch a message with no data', () => {
    expect(parseAll(['event: qr\n\n'])).toEqual([]);
  });
});

describe('SseParser against a hostile stream', () => {
  it('looks at each character once, however the stream is cut (no rescans of what it has seen)', () => {
    const messages: SseMessage[] = [];
    const parser = new SseParser((m) => messages.push(m), 1024 * 1024);
    const event = `event: qr\ndata: ${'x'.repeat(200_000)}\n\n`;
    // One character per chunk: a parser that rescans its buffer looks at ~200 000²/2 characters.
    for (const char of event) parser.feed(char);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.data).toHaveLength(200_000);
    expect(parser.scannedChars).toBeLessThanOrEqual(event.length);
  });

  it('refuses a line that never ends once it passes the limit, and stays refused', () => {
    const parser = new SseParser(() => undefined, 64 * 1024);
    parser.feed('event: qr\ndata: ');
    const feedMore = () => {
      for (let i = 0; i < 100; i++) parser.feed('y'.repeat(1024));
    };
    expect(feedMore).toThrow(SseLimitError);
    expect(feedMore).toThrow(/longer than 64 KiB/);
    expect(() => parser.feed('\n\n')).toThrow(SseLimitError);
  });

  it('refuses a message whose many short data lines add up past the limit', () => {
    const parser = new SseParser(() => undefined, 10_000);
    expect(() => {
      for (let i = 0; i < 1_000; i++) parser.feed(`data: ${'z'.repeat(50)}\n`);
    }).toThrow(SseLimitError);
  });

  it('still delivers messages right up to the limit', () => {
    const messages: SseMessage[] = [];
    const parser = new SseParser((m) => messages.push(m), 10_000);
    parser.feed(`data: ${'a'.repeat(9_000)}\n\n`);
    expect(messages).toHaveLength(1);
  });

  it('skips an unknown event as it streams past: 1 MB of its data is never held, and the next event still comes', () => {
    const messages: SseMessage[] = [];
    const skipped: string[] = [];
    const known = new Set(['contacts']);
    const parser = new SseParser((m) => messages.push(m), { maxMessageChars: 10_000, isKnownEvent: (name) => known.has(name), onSkipped: (name) => skipped.push(name) });
    const megabyte = 'x'.repeat(64 * 1024);
    for (let round = 0; round < 3; round++) {
      parser.feed('event: from-the-future\ndata: "');
      // 1 MiB of data on one line, in 64 KiB chunks: far past the 10,000-character limit of a known event.
      for (let i = 0; i < 16; i++) parser.feed(megabyte);
      parser.feed('"\ndata: more\n\n');
    }
    parser.feed('event: contacts\ndata: {"count":1}\n\n');
    expect(skipped).toEqual(['from-the-future', 'from-the-future', 'from-the-future']);
    expect(messages).toEqual([{ event: 'contacts', data: '{"count":1}' }]);
    // What the parser held at its peak: a few characters per line, never the payload.
    expect(parser.peakHeldChars).toBeLessThan(100);
  });

  it('drops data that came before an unknown name, and counts a message with no name as the default one', () => {
    const messages: SseMessage[] = [];
    const skipped: string[] = [];
    const parser = new SseParser((m) => messages.push(m), { isKnownEvent: (name) => name === 'message', onSkipped: (name) => skipped.push(name) });
    parser.feed('data: first\nevent: other\ndata: second\n\ndata: plain\n\n');
    expect(skipped).toEqual(['other']);
    expect(messages).toEqual([{ event: 'message', data: 'plain' }]);
  });
});
