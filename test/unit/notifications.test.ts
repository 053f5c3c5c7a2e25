/** The one decision both shells make for an incoming message (issue 21 part 2): notify or not, and with what words. */
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '@shared/types';
import { NOTIFICATION_BODY_MAX_BYTES, notificationFor, type NotificationSettings } from '@shared/notifications';

const A = 'acc_alpha1';
const B = 'acc_bravo1';
const message = (fields: Partial<ChatMessage> = {}): ChatMessage => ({ id: 'm1', chatId: '15550001111@c.us', fromMe: false, body: 'Are you there?', timestamp: 1, ...fields });
const all: NotificationSettings = { mode: 'all', accountIds: [] };
const nobody = { accountId: null };

describe('notify or not', () => {
  it('notifies of an incoming message with the chat, the account and a preview; clicking names the chat', () => {
    expect(notificationFor(all, nobody, { accountId: A, accountName: 'Sales', message: message(), chatName: 'Ana' })).toEqual({
      title: 'Ana — Sales',
      body: 'Are you there?',
      tag: `${A}/15550001111@c.us`,
      accountId: A,
      chatId: '15550001111@c.us',
    });
  });

  it('never for our own messages, nor when off, nor for an account not chosen, nor for the account whose chat page is open', () => {
    const input = { accountId: A, accountName: 'Sales', message: message() };
    expect(notificationFor(all, nobody, { ...input, message: message({ fromMe: true }) })).toBeNull();
    expect(notificationFor({ mode: 'off', accountIds: [A] }, nobody, input)).toBeNull();
    expect(notificationFor({ mode: 'accounts', accountIds: [B] }, nobody, input)).toBeNull();
    expect(notificationFor({ mode: 'accounts', accountIds: [A] }, nobody, input)).not.toBeNull();
    expect(notificationFor(all, { accountId: A }, input)).toBeNull();
    expect(notificationFor(all, { accountId: B }, input)).not.toBeNull();
  });

  it('shows the slice\'s text cleaned and bounded: no control or bidi characters, one line, a preview', () => {
    const hostile = `\u202eevil\u0007\nline two ${'x'.repeat(1_000)}`;
    const shown = notificationFor(all, nobody, { accountId: A, accountName: 'Sales', message: message({ body: hostile }), chatName: `Bob\u202e\u0000` })!;
    expect(shown.title).toBe('Bob — Sales');
    expect(shown.body.startsWith('evil line two xxx')).toBe(true);
    expect(shown.body.endsWith('…')).toBe(true);
    expect(new TextEncoder().encode(shown.body).length).toBeLessThanOrEqual(NOTIFICATION_BODY_MAX_BYTES);
  });

  it('names a media message by its kind, and a chat without a name by its number', () => {
    const photo = message({ body: '', media: { kind: 'image', downloadable: true } });
    expect(notificationFor(all, nobody, { accountId: A, accountName: 'Sales', message: photo })).toMatchObject({ title: '15550001111 — Sales', body: 'Photo' });
  });
});
