/**
 * Unread messages per account (issue 21 part 2), kept by the host from what the slices
 * already say: WhatsApp's own per-chat `unreadCount` in every chats page (the first 200 chats
 * are read once when a slice becomes Ready, and every page the panel lists counts too),
 * plus one for each incoming message after that. The total of an account is the sum over
 * its chats. No new slice route or event: both drivers (whatsapp-web.js and the simulated
 * one under it) already report the counts, so nothing in the slice image changes.
 *
 * Reading a chat in the panel (`chats.markRead`) sets its count to 0 here and from then
 * on the host counts that chat itself (WhatsApp still holds it unread: slicedeck sends no
 * read receipt, so a contact never sees blue ticks because the operator looked). Chats past
 * the first 200 count from their first incoming message (say so in the README).
 *
 * Pure bookkeeping (no I/O, no clock): core/index.ts feeds it and publishes the views.
 */
import type { Chat, ChatMessage } from '@shared/types';

interface ChatCount {
  count: number;
  /** Read in the panel: from then on WhatsApp's count (which still holds it unread) is not taken. */
  readHere: boolean;
}

export class UnreadBook {
  private readonly accounts = new Map<string, Map<string, ChatCount>>();

  /** The account's unread messages over every chat the host knows. */
  total(accountId: string): number {
    let sum = 0;
    for (const entry of this.accounts.get(accountId)?.values() ?? []) sum += entry.count;
    return sum;
  }

  /** WhatsApp's counts for the chats of one page. True when the account's total changed. */
  seed(accountId: string, chats: readonly Chat[]): boolean {
    const before = this.total(accountId);
    const book = this.book(accountId);
    for (const chat of chats) {
      const entry = book.get(chat.id);
      if (entry?.readHere) continue;
      book.set(chat.id, { count: chat.unreadCount, readHere: false });
    }
    return this.total(accountId) !== before;
  }

  /**
   * A message in a chat: one more unread when it came in; one we sent (from the panel or
   * the phone) means that chat was answered, and WhatsApp marks it read. True when the total changed.
   */
  message(accountId: string, message: ChatMessage): boolean {
    const book = this.book(accountId);
    const entry = book.get(message.chatId);
    if (message.fromMe) {
      if (!entry || entry.count === 0) return false;
      book.set(message.chatId, { count: 0, readHere: true });
      return true;
    }
    book.set(message.chatId, { count: (entry?.count ?? 0) + 1, readHere: entry?.readHere ?? false });
    return true;
  }

  /** The operator read the chat in the panel. True when the total changed. */
  read(accountId: string, chatId: string): boolean {
    const book = this.book(accountId);
    const count = book.get(chatId)?.count ?? 0;
    book.set(chatId, { count: 0, readHere: true });
    return count > 0;
  }

  /** The account is gone (removed, or logged out: its chats are no longer this device's). */
  forget(accountId: string): boolean {
    const had = this.total(accountId) > 0;
    this.accounts.delete(accountId);
    return had;
  }

  private book(accountId: string): Map<string, ChatCount> {
    let book = this.accounts.get(accountId);
    if (!book) this.accounts.set(accountId, (book = new Map()));
    return book;
  }
}
