/**
 * The seam between the InstanceManager and a WhatsApp Web client.
 *
 * A driver is one *client* (one browser session). The manager owns its lifecycle:
 * a soft restart calls `destroy()` then `initialize()` on the same driver; a hard
 * restart throws the driver away and asks the factory for a new one. Drivers never
 * decide about reconnecting: they only report what happened through the sink.
 */
import type { ChatCursor } from '@shared/paging';
import type { Chat, ChatMessage, DriverName, LinkWaitStep, MediaFile, QrInfo } from '@shared/types';

/** What a driver reports. Every callback may fire at any time after `initialize()`. */
export interface DriverEventSink {
  /** A new code is on screen (index/total/expiry included). */
  qr(qr: QrInfo): void;
  /** The last code expired without a scan: no more codes will come from this start. */
  qrExhausted(): void;
  /**
   * The codes are over but a phone scanned and is logging in (WhatsApp's state says
   * so): the client stays up until `until` (epoch ms) waiting for `authenticated`.
   */
  pairing(until: number): void;
  /** The phone linked (or a saved session was restored). */
  authenticated(): void;
  /** Contacts found so far while linking; `done` on the last one. */
  contacts(count: number, done: boolean): void;
  /** The client is usable: chats can be read and messages sent. */
  ready(): void;
  /**
   * The link to WhatsApp dropped. `loggedOut` means the session is gone (the phone
   * removed the device): no restart can bring it back without a new code.
   */
  disconnected(reason: string, loggedOut: boolean): void;
  /** The saved session was refused: a new code is needed. */
  authFailure(message: string): void;
  /** A message arrived in (or was sent from) a chat. */
  message(message: ChatMessage): void;
  /** Something worth a log line that is not a state change (e.g. loading screen %). */
  note?(event: string, detail: Record<string, unknown>): void;
  /** WhatsApp acknowledged a sent message (`message_ack`: 1 server, 2 device, 3 read, 4 played). */
  ack?(messageId: string, ack: number): void;
  /** A pairing code for the phone number asked for (issued now, valid until `expiresAt`). */
  pairingCode?(code: string, issuedAt: number, expiresAt: number): void;
  /** WhatsApp Web's loading screen percent while it syncs. */
  loading?(percent: number): void;
  /** What a start with no code on screen waits for now (reported when it changes). */
  waiting?(step: LinkWaitStep): void;
}

export interface WhatsAppDriver {
  readonly name: DriverName;
  /**
   * Starts the client. Resolves once it is running (showing a code or restoring a
   * session), not when it is ready; rejects with plain words when it cannot start.
   */
  initialize(): Promise<void>;
  /** Stops the client and releases its browser; the session on disk is kept. */
  destroy(): Promise<void>;
  /** Logs the device out of WhatsApp and deletes the saved session. */
  logout(): Promise<void>;
  sendText(chatId: string, text: string): Promise<ChatMessage>;
  /** A media message's file, within the media limit; rejects with words (media.ts MediaRefusal) otherwise. */
  downloadMedia?(chatId: string, messageId: string): Promise<MediaFile>;
  /** One page of chats, newest activity first (each row carries the cursor of the next page). */
  listChats(query: ChatsQuery): Promise<Chat[]>;
  /** One page of a chat's messages going back in time, oldest first. Null when there is no such chat. */
  listMessages(chatId: string, query: MessagesQuery): Promise<ChatMessage[] | null>;
  /**
   * Asks WhatsApp for a code to type on the phone with that number (digits only);
   * later codes arrive through the sink's `pairingCode`. Rejects with words.
   */
  requestPairingCode?(phoneNumber: string): Promise<{ code: string; expiresAt: number }>;
  /** Resolves when the client answers (its state and its page), within `timeoutMs`; rejects with words otherwise. */
  probe?(timeoutMs: number): Promise<void>;
}

/** A page of chats: after `after` (null: from the newest), at most `limit`, only those matching `query` (lower case). */
export interface ChatsQuery {
  after: ChatCursor | null;
  limit: number;
  query: string | null;
}

/** A page of messages: those just older than `before` (null: the newest), at most `limit`. */
export interface MessagesQuery {
  before: string | null;
  limit: number;
}

/** `before` names no message of that chat: the caller's cursor is stale or made up. */
export class UnknownCursorError extends Error {
  constructor(chatId: string) {
    super(`The message given as "before" is not in chat ${chatId} (it may have been deleted). Reload the chat from its newest messages.`);
    this.name = 'UnknownCursorError';
  }
}

/** Builds a fresh client; the manager calls it once per hard restart. */
export type DriverFactory = (sink: DriverEventSink) => WhatsAppDriver;

/** Thrown by driver operations that need a ready client. */
export class DriverNotReadyError extends Error {
  constructor(message = 'WhatsApp is not connected right now.') {
    super(message);
    this.name = 'DriverNotReadyError';
  }
}
