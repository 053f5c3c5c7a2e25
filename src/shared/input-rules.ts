/**
 * The limits, patterns and words of inputs that both the host and the slice
 * accept. Kept free of zod so each side builds its own validator from the same
 * rules: the host with zod (contract.ts), the slice with the much smaller
 * `zod/mini`, since every slice boot pays for the code it loads.
 */
export const CHAT_ID_RULE = {
  maxLength: 128,
  // Never `.` or `..` alone: the id is a path segment of the host's request to the
  // slice (GET /api/chats/<id>/messages), and those would walk up its URL.
  pattern: /^(?!\.{1,2}$)[A-Za-z0-9._:@-]+$/,
  words: {
    type: 'chatId must be text.',
    empty: 'chatId is empty.',
    tooLong: 'chatId is too long.',
    pattern: 'chatId has characters a WhatsApp chat id never has.',
  },
} as const;

export const MESSAGE_TEXT_RULE = {
  maxLength: 4096,
  words: {
    type: 'The message must be text.',
    empty: 'Type a message first.',
    tooLong: 'WhatsApp messages are limited to 4096 characters here.',
  },
} as const;

export function hasVisibleText(text: string): boolean {
  return text.trim().length > 0;
}

/**
 * A WhatsApp message id as whatsapp-web.js serialises it: `<fromMe>_<chat>_<id>` (and
 * `_<participant>` in groups). A path segment of the host's request to the slice, so
 * never `.`/`..` and nothing a URL or a path would read specially.
 */
export const MESSAGE_ID_RULE = {
  maxLength: 256,
  pattern: /^(true|false)_[A-Za-z0-9._:@-]+$/,
  words: {
    type: 'messageId must be text.',
    empty: 'messageId is empty.',
    tooLong: 'messageId is too long.',
    pattern: 'messageId is not a WhatsApp message id (true_… or false_…).',
  },
} as const;
