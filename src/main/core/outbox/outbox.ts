/**
 * The durable outgoing queue (issue 9) and the only one (issue 20): every `messages.send`
 * is written to SQLite before it is answered, handed to the account's slice once it is
 * Ready, and marked from the slice's answers and WhatsApp's acks. The slice keeps nothing:
 * it sends now (WhatsApp's message id) or refuses — `not_ready` (a 409, `conflict` here:
 * nothing was sent, the row waits for the next Ready), or `failed` with WhatsApp's words.
 *
 * Exactly once:
 *  - A row is marked `sending` (committed) before the slice is called. If the answer
 *    never comes (the host was killed, the slice died, the engine failed), the row
 *    stays `sending`; the next flush first looks for it in the chat (an outgoing
 *    message with the same text, sent since the attempt, not claimed by another row)
 *    and only sends again when WhatsApp does not have it. A refusal is an answer:
 *    the row goes back to `queued` and is sent again without looking.
 *  - One flush per account at a time, in order (oldest first): a refused row stops
 *    the flush, so nothing behind it overtakes it.
 *  - An idempotency key makes a retried send return the first one's row.
 *
 * What the simulation cannot prove: a real WhatsApp chat loaded after a restart may
 * not yet hold the last seconds of history, so the lookup could miss a message that
 * was sent just before a crash; the window is the seconds between the slice's
 * `sendMessage` and its answer.
 */
import type { Logger } from 'pino';
import { maskChatId, type SliceSendRequest, type SliceSendResponse } from '@shared/slice-protocol';
import { SlicedeckError } from '@shared/errors';
import type { ChatMessage, OutgoingStatus, SendResult } from '@shared/types';
import type { EventBus } from '../events';
import { OutboxStore, type OutboxRow } from './outbox-store';

/** How far back (before the attempt) a message found in the chat may be the one we handed over. */
const LOOKUP_SLACK_MS = 60_000;
/** How long a send to a Ready account waits for WhatsApp's answer before it answers `queued`. */
const ANSWER_WAIT_MS = 15_000;

/** What the outbox asks of a Ready slice (SliceClient in the product): send now or refuse; read a chat to look before resending. */
export interface SliceSender {
  send(request: SliceSendRequest): Promise<SliceSendResponse>;
  messages(chatId: string): Promise<ChatMessage[]>;
}

export interface ReadySlice {
  client: SliceSender;
}

export interface OutboxDeps {
  store: OutboxStore;
  bus: EventBus;
  logger: Logger;
  cap: number;
  retryMs: number;
  /** The account's slice when it is Ready (no note: not reconnecting), else null. */
  readySlice(accountId: string): ReadySlice | null;
}

/** What the operator sees of a row's state (`sending` is still waiting as far as they are concerned). */
export function visibleStatus(row: OutboxRow): OutgoingStatus {
  return row.status === 'sending' ? 'queued' : row.status;
}

export class Outbox {
  private readonly flushing = new Map<string, Promise<void>>();
  /** A flush asked for while one runs: run once more when it ends (an event may have arrived mid-flush). */
  private readonly again = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly deps: OutboxDeps) {}

  start(): void {
    if (this.deps.retryMs > 0) {
      this.timer = setInterval(() => {
        for (const accountId of this.deps.store.accountsWithPending()) this.kick(accountId);
      }, this.deps.retryMs);
      this.timer.unref();
    }
    for (const accountId of this.deps.store.accountsWithPending()) this.kick(accountId);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.flushing.values()]);
  }

  pendingCount(accountId: string): number {
    return this.deps.store.pendingCount(accountId);
  }

  /** Accepts a message: stored, then (if the account is Ready) handed over and answered with WhatsApp's verdict. */
  async send(accountId: string, chatId: string, text: string, idempotencyKey: string | null, instanceState: SendResult['instanceState']): Promise<SendResult> {
    const { store } = this.deps;
    if (idempotencyKey) {
      const existing = store.byKey(accountId, idempotencyKey);
      if (existing) return this.resultOf(existing, instanceState);
    }
    if (store.pendingCount(accountId) >= this.deps.cap) {
      return {
        status: 'failed',
        instanceState,
        queueDepth: store.pendingCount(accountId),
        messageId: null,
        queueId: null,
        error: `The outgoing queue of this account is full (${this.deps.cap} messages are waiting for WhatsApp). Wait until the account is Ready and they are sent, or cancel some on the chat page, then send again.`,
      };
    }
    const { row, created } = store.insert({ accountId, chatId, body: text, idempotencyKey });
    if (!created) return this.resultOf(row, instanceState);
    this.deps.logger.info({ accountId, queueId: row.id, chatId: maskChatId(chatId) }, 'message queued');
    this.emitStatus(row);
    if (this.deps.readySlice(accountId)) {
      // Ready: hand it over now and answer with what WhatsApp said (bounded; it stays queued otherwise).
      await Promise.race([this.flush(accountId), new Promise((resolve) => setTimeout(resolve, ANSWER_WAIT_MS).unref())]);
    }
    return this.resultOf(store.get(row.id) ?? row, instanceState);
  }

  cancel(accountId: string, queueId: string): void {
    const row = this.deps.store.get(queueId);
    if (!row || row.accountId !== accountId) throw new SlicedeckError('not_found', 'There is no such queued message on this account (it may have been sent already). Refresh the chat.');
    const cancelled = this.deps.store.cancel(accountId, queueId);
    if (!cancelled) {
      throw new SlicedeckError('conflict', row.status === 'sending' ? 'This message is being handed to WhatsApp right now, so it can no longer be cancelled.' : `This message is already ${visibleStatus(row)}, so there is nothing to cancel.`);
    }
    this.deps.logger.info({ accountId, queueId }, 'queued message cancelled');
    this.emitStatus(cancelled);
  }

  /** The chat's messages with our statuses on the ones we sent, plus ours WhatsApp does not show (waiting, failed). */
  decorate(accountId: string, chatId: string, messages: ChatMessage[], page: { before?: string } = {}): ChatMessage[] {
    const { store } = this.deps;
    const ours = store.statusesOf(accountId, messages.filter((m) => m.fromMe).map((m) => m.id));
    const decorated = messages.map((m) => {
      const row = ours.get(m.id);
      return row ? { ...m, status: visibleStatus(row), queueId: row.id } : m;
    });
    // Messages still waiting are the newest: they belong on the newest page only, not on every older one.
    const extra = (page.before === undefined ? store.unsentOfChat(accountId, chatId) : []).map(
      (row): ChatMessage => ({
        id: `queued:${row.id}`,
        chatId,
        fromMe: true,
        body: row.body,
        timestamp: row.createdAt,
        status: visibleStatus(row),
        queueId: row.id,
        ...(row.error ? { error: row.error } : {}),
      }),
    );
    return [...decorated, ...extra].sort((a, b) => a.timestamp - b.timestamp);
  }

  /** WhatsApp's `message_ack` for a message this account sent: 2 delivered, 3+ read, -1 failed. */
  onAck(accountId: string, messageId: string, ack: number): void {
    const row = this.deps.store.byMessageId(accountId, messageId);
    if (!row) return;
    const status: OutgoingStatus | null = ack >= 3 ? 'read' : ack === 2 ? 'delivered' : ack === -1 ? 'failed' : null;
    if (!status) return;
    const updated = this.deps.store.advance(row.id, status, status === 'failed' ? { error: 'WhatsApp could not deliver this message. Send it again.' } : {});
    if (updated) this.emitStatus(updated);
  }

  /** Hands waiting messages over if the account is Ready. Never throws. */
  kick(accountId: string): void {
    if (this.closed) return;
    if (this.flushing.has(accountId)) {
      this.again.add(accountId);
      return;
    }
    void this.flush(accountId);
  }

  private flush(accountId: string): Promise<void> {
    const running = this.flushing.get(accountId);
    if (running) {
      this.again.add(accountId);
      return running;
    }
    const run = this.drain(accountId)
      .catch((err: unknown) => this.deps.logger.warn({ accountId, err }, 'flushing the outgoing queue failed; it will be retried'))
      .finally(() => {
        this.flushing.delete(accountId);
        if (this.again.delete(accountId)) this.kick(accountId);
      });
    this.flushing.set(accountId, run);
    return run;
  }

  private async drain(accountId: string): Promise<void> {
    const { store } = this.deps;
    for (let guard = 0; guard < 10_000 && !this.closed; guard++) {
      const slice = this.deps.readySlice(accountId);
      if (!slice) return;
      const row = store.nextPending(accountId);
      if (!row) return;
      // Handed over before, no answer: find it before sending it again.
      if (row.status === 'sending' && (await this.foundInChat(slice, row))) continue;
      if (!(await this.handOver(accountId, slice, row))) return;
    }
  }

  /** The uncertain case: did WhatsApp take it before the host/slice died? Settles it and says so. */
  private async foundInChat(slice: ReadySlice, row: OutboxRow): Promise<boolean> {
    let messages: ChatMessage[];
    try {
      messages = await slice.client.messages(row.chatId);
    } catch (error) {
      if (error instanceof SlicedeckError && error.code === 'not_found') return false; // no such chat: it was never sent there
      throw error;
    }
    const since = (row.sendingAt ?? row.createdAt) - LOOKUP_SLACK_MS;
    const match = messages.find((m) => m.fromMe && m.body === row.body && m.timestamp >= since && !this.deps.store.claimed(row.accountId, m.id));
    if (!match) return false;
    this.deps.logger.info({ accountId: row.accountId, queueId: row.id, messageId: match.id }, 'a message handed over before a crash was already sent; not sending it again');
    this.settle(row, 'sent', { messageId: match.id });
    return true;
  }

  /** Returns true to go on with the next message. */
  private async handOver(accountId: string, slice: ReadySlice, row: OutboxRow): Promise<boolean> {
    const { store, logger } = this.deps;
    store.markSending(row.id);
    let result: SliceSendResponse;
    try {
      result = await slice.client.send({ chatId: row.chatId, text: row.body });
    } catch (error) {
      if (error instanceof SlicedeckError && (error.code === 'invalid_input' || error.code === 'not_found')) {
        this.settle(row, 'failed', { error: error.message });
        return true;
      }
      if (error instanceof SlicedeckError && error.code === 'conflict') {
        // The slice's 409 `not_ready` (not ready after all, or its link dropped before the send): nothing was sent.
        store.requeue(row.id);
        logger.info({ accountId, queueId: row.id }, 'the slice was not ready for a queued message; it waits for the next Ready');
        return false;
      }
      // No answer: it may or may not have been sent; `sending` stays, the next flush looks first.
      logger.info({ accountId, queueId: row.id, err: error }, 'no answer from the slice for a queued message; will check before resending');
      return false;
    }
    if (result.status === 'sent' && result.messageId) {
      this.settle(row, 'sent', { messageId: result.messageId });
      return true;
    }
    this.settle(row, 'failed', { error: result.error ?? 'WhatsApp did not take the message. Send it again.' });
    return true;
  }

  private settle(row: OutboxRow, status: OutgoingStatus, fields: { messageId?: string; error?: string }): void {
    const updated = this.deps.store.advance(row.id, status, fields);
    if (!updated) return;
    this.deps.logger.info({ accountId: row.accountId, queueId: row.id, status, attempts: updated.attempts }, 'queued message settled');
    this.emitStatus(updated);
  }

  private emitStatus(row: OutboxRow): void {
    this.deps.bus.emit('message.status', {
      accountId: row.accountId,
      chatId: row.chatId,
      queueId: row.id,
      messageId: row.messageId,
      status: visibleStatus(row),
      error: row.error,
    });
  }

  private resultOf(row: OutboxRow, instanceState: SendResult['instanceState']): SendResult {
    const status = visibleStatus(row);
    return {
      status: status === 'delivered' || status === 'read' ? 'sent' : status === 'cancelled' ? 'failed' : status,
      instanceState,
      queueDepth: this.deps.store.pendingCount(row.accountId),
      messageId: row.messageId,
      queueId: row.id,
      error: row.error,
    };
  }
}
