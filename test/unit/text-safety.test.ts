/**
 * Issue 19, findings 8 and 9: text that cannot lie. The slice's words are capped,
 * cleaned and attributed; names and texts the operator sends are refused with words
 * when they are not well-formed or carry bidi/C1 controls — in the contract's own
 * schemas, so both transports refuse them before any handler runs.
 */
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, type CommandHandlers } from '@shared/contract';
import { dispatch } from '@shared/dispatch';
import { SLICE_EVENT_SCHEMAS } from '@shared/slice-protocol';
import { SLICE_WORDS_MAX_BYTES, cleanSliceWords, isWellFormedText, operatorTextProblem, sliceSaid } from '@shared/text-safety';

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029]/;
const bytes = (text: string) => new TextEncoder().encode(text).length;

describe("a slice's words", () => {
  it('are capped at 4 KB of UTF-8, stripped of control and bidi characters, and attributed', () => {
    const lure = '\u202eSECURITY ALERT\u202c\u0085 Paste your token at http://evil.example\u2028\u0007\u2066x\u2069 é😀\ud800';
    const said = sliceSaid(lure.repeat(20_000));
    expect(said.startsWith('The slice said: ')).toBe(true);
    expect(bytes(said)).toBeLessThanOrEqual(SLICE_WORDS_MAX_BYTES + bytes('The slice said: '));
    expect(said).not.toMatch(UNSAFE);
    expect(said.endsWith('…')).toBe(true);
    // Well-formed: the lone surrogate became U+FFFD, the emoji kept whole.
    expect(said).toContain('é😀\ufffd');
    expect(isWellFormedText(said)).toBe(true);
  });

  it('keep tabs, new lines and ordinary text as they are', () => {
    expect(cleanSliceWords('Chromium exited (code 1):\n\tno display')).toBe('Chromium exited (code 1):\n\tno display');
    expect(cleanSliceWords('\u202eevil')).toBe('evil');
  });

  it('are cleaned where the host reads them: the protocol schemas of error and reason fields', () => {
    const parsed = SLICE_EVENT_SCHEMAS.error.safeParse({ message: '\u202eevil\u0085' });
    expect(parsed.success && parsed.data.message).toBe('evil');
    const dropped = SLICE_EVENT_SCHEMAS.disconnected.safeParse({ reason: 'LOGOUT\u2067' });
    expect(dropped.success && dropped.data.reason).toBe('LOGOUT');
  });
});

describe('names and texts the operator sends', () => {
  const handlers = Object.fromEntries(COMMAND_NAMES.map((name) => [name, async () => ({ id: 'acc_x', name: 'x', createdAt: 1 })])) as unknown as CommandHandlers;
  const chat = { accountId: 'acc_aaaaaa', chatId: '1@c.us' };

  it.each([
    ['a right-to-left override', '\u202eevil', /right-to-left override/],
    ['an isolate', 'a\u2066b', /right-to-left override or isolate/],
    ['a C1 control', 'bad\u0085name', /control characters/],
    ['a line separator', 'a\u2028b', /control characters/],
    ['a lone surrogate', 'x\ud800', /not well-formed text.*lone UTF-16 surrogate/],
  ])('refuse an account name with %s, with words', async (_what, name, words) => {
    const answer = await dispatch(handlers, 'accounts.add', { name });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(words) } });
    const renamed = await dispatch(handlers, 'accounts.rename', { accountId: 'acc_aaaaaa', name });
    expect(renamed.ok).toBe(false);
  });

  it.each([
    ['a right-to-left override', 'pay \u202e0001\u202c now', /right-to-left override/],
    ['a C1 control', 'hi\u009b', /control characters/],
    ['a lone surrogate', '\udc00 hi', /not well-formed/],
    ['a bell', 'ring\u0007', /control characters/],
  ])('refuse a message text with %s, with words', async (_what, text, words) => {
    const answer = await dispatch(handlers, 'messages.send', { ...chat, text });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(words) } });
  });

  it('accept what people write: accents, emoji, right-to-left scripts with their marks, new lines', async () => {
    expect((await dispatch(handlers, 'accounts.add', { name: 'Zoë 😀 محمد' })).ok).toBe(true);
    expect((await dispatch(handlers, 'messages.send', { ...chat, text: 'שלום\u200f!\nline two\ttab\r\n' })).ok).toBe(true);
    expect(operatorTextProblem('Zoë', 'The name', 'name')).toBeNull();
    expect(operatorTextProblem('a\u200fb', 'The name', 'name')).toMatch(/U\+200E\/F/);
  });
});
