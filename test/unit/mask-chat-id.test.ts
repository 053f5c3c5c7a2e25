import { describe, expect, it } from 'vitest';
import { maskChatId, maskPhoneNumber } from '@shared/slice-protocol';

describe('maskChatId', () => {
  it('keeps the last four digits and the kind of chat, as the pairing number is masked', () => {
    expect(maskChatId('491701234567@c.us')).toBe(`${maskPhoneNumber('491701234567')}@c.us`);
    expect(maskChatId('491701234567@c.us')).toBe('…4567@c.us');
    expect(maskChatId('120363012345678901@g.us')).toBe('…8901@g.us');
    expect(maskChatId('491701234567')).toBe('…4567');
  });
});
