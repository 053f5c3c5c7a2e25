import { describe, expect, it } from 'vitest';
import { SseParser, type SseMessage } from '../../../src/main/core/sse-parser';

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
