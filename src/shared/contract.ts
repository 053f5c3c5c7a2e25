/**
 * The one contract between the renderer and the host. Every command is declared
 * here once (name, zod input schema, result type); the IPC and web transports are
 * generic loops over `COMMANDS`, so no channel string is written twice.
 *
 * Add commands freely; never rename one (the names are part of the contract).
 */
import { z } from 'zod';
import { CHAT_ID_RULE, MESSAGE_ID_RULE, MESSAGE_TEXT_RULE, hasVisibleText } from './input-rules';
import { SIM_SYNC_MAX_MS, cleanPhoneNumber } from './slice-protocol';
import { CHATS_PAGE_MAX, CHAT_CURSOR_MAX_CHARS, CHAT_QUERY_MAX_CHARS, MESSAGES_PAGE_MAX, decodeChatCursor } from './paging';
import { operatorTextProblem } from './text-safety';
import { PROXY_SCHEMES, proxyProblem } from './proxy';
import type {
  Account,
  Chat,
  ChatMessage,
  MediaFile,
  OutgoingStatus,
  SendResult,
  SliceEventRecord,
  SliceStats,
  SliceView,
  SystemStatus,
} from './types';
import type { SimFaultKind } from './slice-protocol';
import { SLICE_LOG_LINES_MAX, SLICE_LOG_QUERY_MAX_CHARS, type SliceLogPage } from './slice-logs';
import { API_SCOPES, WEBHOOK_EVENTS, type ApiTokenInfo, type CreatedApiToken, type CreatedWebhook, type WebhookAttempt, type WebhookInfo } from './gateway';
import { apiTokenNameSchema, webhookUrlSchema } from './gateway-rules';
import { NOTIFY_MODES, type NotificationSettings } from './notifications';

// ── input vocabulary ────────────────────────────────────────────────────────

/**
 * Refuses text that is not well-formed or would show other than it is (text-safety.ts):
 * lone surrogates, bidi overrides/isolates, C0/C1 controls, U+2028/2029.
 */
function honestText(what: string, kind: 'name' | 'text') {
  return (value: string, ctx: z.RefinementCtx) => {
    const problem = operatorTextProblem(value, what, kind);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };
}

export const accountNameSchema = z
  .string({ error: 'The account name must be text.' })
  .trim()
  .min(1, { error: 'Give the account a name.' })
  .max(64, { error: 'Keep the account name to 64 characters or fewer.' })
  .superRefine(honestText('The account name', 'name'));

export const accountIdSchema = z
  .string({ error: 'accountId must be text.' })
  .regex(/^acc_[A-Za-z0-9_-]{4,64}$/, { error: 'accountId is not a slicedeck account id (acc_…).' });

export const chatIdSchema = z
  .string({ error: CHAT_ID_RULE.words.type })
  .min(1, { error: CHAT_ID_RULE.words.empty })
  .max(CHAT_ID_RULE.maxLength, { error: CHAT_ID_RULE.words.tooLong })
  .regex(CHAT_ID_RULE.pattern, { error: CHAT_ID_RULE.words.pattern });

export const messageIdSchema = z
  .string({ error: MESSAGE_ID_RULE.words.type })
  .min(1, { error: MESSAGE_ID_RULE.words.empty })
  .max(MESSAGE_ID_RULE.maxLength, { error: MESSAGE_ID_RULE.words.tooLong })
  .regex(MESSAGE_ID_RULE.pattern, { error: MESSAGE_ID_RULE.words.pattern });

export const messageTextSchema = z
  .string({ error: MESSAGE_TEXT_RULE.words.type })
  .min(1, { error: MESSAGE_TEXT_RULE.words.empty })
  .max(MESSAGE_TEXT_RULE.maxLength, { error: MESSAGE_TEXT_RULE.words.tooLong })
  .refine(hasVisibleText, { error: MESSAGE_TEXT_RULE.words.empty })
  .superRefine(honestText('The message', 'text'));

/** The faults `sim.fault` plays (the slice's `/api/sim/fault` kinds). */
export const SIM_FAULT_KINDS = ['phone_logout', 'drop_link', 'fail_initialize', 'go_deaf', 'revoke_session'] as const satisfies readonly SimFaultKind[];

/**
 * A client's key for one message: a retried send with the same key is the same
 * message (answered with the first one's queueId), never a second one.
 */
export const idempotencyKeySchema = z
  .string({ error: 'idempotencyKey must be text.' })
  .min(1, { error: 'idempotencyKey cannot be empty; leave it out instead.' })
  .max(128, { error: 'Keep idempotencyKey to 128 characters or fewer.' })
  .regex(/^[\x21-\x7e]+$/, { error: 'idempotencyKey may hold only visible ASCII characters (no spaces), e.g. a UUID.' });

/** A phone number for pairing: international format; spaces, +, (, ), ., - allowed; 7–15 digits. */
export const phoneNumberSchema = z
  .string({ error: 'The phone number must be text.' })
  .max(32, { error: 'That phone number is too long: give 7–15 digits, country code first.' })
  .refine((raw) => cleanPhoneNumber(raw) !== null, { error: 'Give the phone number in international format: 7–15 digits, country code first (e.g. +1 555 123 4567).' });

export const queueIdSchema = z
  .string({ error: 'queueId must be text.' })
  .regex(/^out_[0-9a-f]{16}$/, { error: 'queueId is not a queued message id (out_…).' });
export type SimFault = (typeof SIM_FAULT_KINDS)[number];

/** Paging (@shared/paging): the cursor a chats page handed out, a bounded limit, search text. */
export const chatCursorSchema = z
  .string({ error: 'cursor must be text.' })
  .max(CHAT_CURSOR_MAX_CHARS, { error: 'cursor is too long to be a chats cursor.' })
  .refine((raw) => decodeChatCursor(raw) !== null, { error: 'cursor is not a chats cursor; pass back the `cursor` of the last chat of the previous page.' });
export function pageLimitSchema(max: number) {
  return z
    .number({ error: 'limit must be a number.' })
    .int({ error: 'limit must be a whole number.' })
    .min(1, { error: 'limit must be at least 1.' })
    .max(max, { error: `limit must be at most ${max}.` });
}
export const chatQuerySchema = z
  .string({ error: 'query must be text.' })
  .max(CHAT_QUERY_MAX_CHARS, { error: `Search with at most ${CHAT_QUERY_MAX_CHARS} characters.` })
  .superRefine(honestText('The search', 'name'));
/** `before` of a messages page: the id of the oldest message the caller holds. */
export const beforeMessageIdSchema = z
  .string({ error: 'before must be text.' })
  .min(1, { error: 'before is empty; leave it out for the newest messages.' })
  .max(512, { error: 'before is too long to be a message id.' })
  .regex(/^[\x21-\x7e]+$/, { error: 'before must be the id of a message of this chat.' });

/**
 * An account's proxy: each field typed with its own words, then every rule of @shared/proxy
 * (the same words the slice uses on its proxy file).
 */
export const proxySettingsSchema = z
  .strictObject(
    {
      scheme: z.enum(PROXY_SCHEMES, { error: `The proxy scheme must be one of ${PROXY_SCHEMES.join(', ')}.` }),
      host: z.string({ error: 'The proxy host must be text.' }).trim(),
      port: z.number({ error: 'The proxy port must be a number.' }),
      username: z.string({ error: 'The proxy username must be text.' }).optional(),
      password: z.string({ error: 'The proxy password must be text.' }).optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `The proxy has no field ${issue.keys.join(', ')}: give scheme, host, port and optionally username and password.` : 'The proxy must be an object: { scheme, host, port, username?, password? }.') },
  )
  .superRefine((value, ctx) => {
    const problem = proxyProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const noInput = z.strictObject({}).optional();
const byAccount = z.strictObject({ accountId: accountIdSchema });

// ── the command table ───────────────────────────────────────────────────────

/** A command: its input schema, and (as a phantom) its result type. */
export interface CommandSpec<Input extends z.ZodType, Result> {
  input: Input;
  /** Type-only marker; never read at run time. */
  readonly result?: Result;
  /** One line for docs and error messages. */
  summary: string;
}

function command<Result>() {
  return <Input extends z.ZodType>(input: Input, summary: string): CommandSpec<Input, Result> => ({ input, summary });
}

export const COMMANDS = {
  'accounts.list': command<Account[]>()(noInput, 'List accounts'),
  'accounts.add': command<Account>()(z.strictObject({ name: accountNameSchema }), 'Add an account'),
  'accounts.rename': command<Account>()(
    z.strictObject({ accountId: accountIdSchema, name: accountNameSchema }),
    'Rename an account',
  ),
  'accounts.remove': command<void>()(byAccount, 'Remove an account, its slice and its session data'),
  /**
   * The account's proxy (@shared/proxy): its slice's Chromium goes through it from the next
   * Connect on. The password is kept by the host and given to the slice as a file, never shown.
   */
  'accounts.setProxy': command<Account>()(
    z.strictObject({ accountId: accountIdSchema, proxy: proxySettingsSchema }),
    'Set the proxy an account’s slice goes through',
  ),
  'accounts.clearProxy': command<Account>()(byAccount, 'Remove an account’s proxy (its slice goes direct from the next Connect)'),

  'slices.connect': command<ConnectResult>()(byAccount, 'Connect WhatsApp for an account'),
  'slices.destroy': command<void>()(byAccount, 'Destroy the account’s slice (keeps its session)'),
  'slices.logout': command<void>()(byAccount, 'Log the account out of WhatsApp and delete its session'),
  'slices.view': command<SliceView>()(byAccount, 'The current view of an account’s slice'),
  'slices.list': command<SliceView[]>()(noInput, 'Views of every account’s slice'),
  'slices.history': command<SliceEventRecord[]>()(byAccount, 'The audit trail of an account’s slices'),
  /** Also keeps live `stats` events coming for ~30 s: call it again to stay subscribed. */
  'slices.stats': command<SliceStats[]>()(noInput, 'Docker stats (CPU, memory, uptime) of every running slice'),
  /** The slice container's last lines (@shared/slice-logs: bounded, cleaned, token masked); `query` keeps the lines containing it (any case). Call again to follow. */
  'slices.logs': command<SliceLogPage>()(
    z.strictObject({
      accountId: accountIdSchema,
      query: z.string({ error: 'query must be text.' }).max(SLICE_LOG_QUERY_MAX_CHARS, { error: `Search the log with at most ${SLICE_LOG_QUERY_MAX_CHARS} characters.` }).superRefine(honestText('The search', 'name')).optional(),
      limit: pageLimitSchema(SLICE_LOG_LINES_MAX).optional(),
    }),
    'The last lines of an account’s slice log (searchable)',
  ),

  /**
   * One page of chats, newest activity first (@shared/paging): no cursor = the first page;
   * the next starts at the last row's `cursor`; `query` searches every chat by name or number.
   * An empty page is the end.
   */
  'chats.list': command<Chat[]>()(
    z.strictObject({ accountId: accountIdSchema, cursor: chatCursorSchema.optional(), limit: pageLimitSchema(CHATS_PAGE_MAX).optional(), query: chatQuerySchema.optional() }),
    'Chats of a linked account (a page)',
  ),
  /** One page of a chat's messages, oldest first: no `before` = the newest; `before` = the id of the oldest held. */
  'chats.messages': command<ChatMessage[]>()(
    z.strictObject({ accountId: accountIdSchema, chatId: chatIdSchema, before: beforeMessageIdSchema.optional(), limit: pageLimitSchema(MESSAGES_PAGE_MAX).optional() }),
    'Messages of one chat (a page going back in time)',
  ),
  /**
   * The operator read the chat in the panel: its unread count (SliceView.unread) drops to 0.
   * No read receipt goes to WhatsApp (the phone still shows it unread).
   */
  'chats.markRead': command<void>()(z.strictObject({ accountId: accountIdSchema, chatId: chatIdSchema }), 'Mark a chat read in the panel'),
  'notifications.get': command<NotificationSettings>()(noInput, 'The desktop-notification setting'),
  'notifications.set': command<NotificationSettings>()(
    z.strictObject({
      mode: z.enum(NOTIFY_MODES, { error: `mode is one of ${NOTIFY_MODES.join(', ')}.` }),
      accountIds: z.array(accountIdSchema, { error: 'accountIds must be a list.' }).max(1_000, { error: 'Name at most 1000 accounts.' }),
    }),
    'Choose which accounts notify of incoming messages (none, some, all)',
  ),
  /**
   * Stored in the host's queue before it is answered (`queued` with a queueId, or `sent`
   * when the account is Ready and WhatsApp took it at once); delivered exactly once.
   */
  'messages.send': command<SendResult>()(
    z.strictObject({ accountId: accountIdSchema, chatId: chatIdSchema, text: messageTextSchema, idempotencyKey: idempotencyKeySchema.optional() }),
    'Send a text message',
  ),
  /**
   * A media message's file (base64, with its mimetype and name), at most the media limit
   * (SLICEDECK_MEDIA_MAX_BYTES, 16 MiB by default): a larger one is refused with words.
   */
  'messages.media': command<MediaFile>()(
    z.strictObject({ accountId: accountIdSchema, chatId: chatIdSchema, messageId: messageIdSchema }),
    'Download the file of a photo, voice note, sticker or document',
  ),
  'messages.cancel': command<void>()(
    z.strictObject({ accountId: accountIdSchema, queueId: queueIdSchema }),
    'Cancel a message still waiting in the outgoing queue',
  ),
  /** On the QR phase: WhatsApp's 8-character code to type on the phone with that number (re-issued when it expires). */
  'slices.pairingCode': command<{ code: string; expiresAt: number }>()(
    z.strictObject({ accountId: accountIdSchema, phoneNumber: phoneNumberSchema }),
    'Link with a phone number: get a pairing code',
  ),

  'system.status': command<SystemStatus>()(noInput, 'Docker, image and configuration status'),
  /**
   * Builds the configured slice image (single-flight: a second call joins the build).
   * Resolves with the status afterwards: `image: 'present'`, or `'missing'` with `imageError`.
   */
  'system.buildImage': command<SystemStatus>()(noInput, 'Build the slice image'),
  /**
   * Simulation mode: what a phone or the network can do to a linked account, to see the
   * panel follow it. `phone_logout`: the phone unlinks this device (the account leaves
   * Ready with words); `drop_link`: the link drops and WhatsApp reconnects by itself (a
   * note, then Ready again); `fail_initialize`: the next `count` (1) starts of the client
   * fail (with `drop_link`, a reconnect that never comes back ends in `error`).
   */
  'sim.fault': command<void>()(
    z.strictObject({
      accountId: accountIdSchema,
      kind: z.enum(SIM_FAULT_KINDS, { error: `kind must be one of ${SIM_FAULT_KINDS.join(', ')}.` }),
      count: z
        .int({ error: 'count must be a whole number.' })
        .min(1, { error: 'count must be at least 1.' })
        .max(1000, { error: 'count must be at most 1000.' })
        .optional(),
    }),
    'Simulation mode: play a phone logout, a dropped link or failing starts',
  ),

  'sim.scan': command<void>()(
    z.strictObject({
      accountId: accountIdSchema,
      /** The phone then takes this long to log in (between the scan and `authenticated`). */
      syncMs: z
        .int({ error: 'syncMs must be a whole number of milliseconds.' })
        .min(0, { error: 'syncMs must be 0 or more.' })
        .max(SIM_SYNC_MAX_MS, { error: `syncMs must be at most ${SIM_SYNC_MAX_MS} (${SIM_SYNC_MAX_MS / 1000} s).` })
        .optional(),
    }),
    'Simulation mode: play the phone scanning the code on screen (optionally taking syncMs to log in)',
  ),

  // The gateway (@shared/gateway): the operator's own commands, never reachable with an API token.
  'apiTokens.list': command<ApiTokenInfo[]>()(noInput, 'API tokens (never their secrets)'),
  /** The answer carries the token itself, this once: only its hash is kept. */
  'apiTokens.create': command<CreatedApiToken>()(
    z.strictObject({
      name: apiTokenNameSchema,
      scope: z.enum(API_SCOPES, { error: `scope must be one of ${API_SCOPES.join(', ')}.` }),
      accountIds: z
        .array(accountIdSchema, { error: 'accountIds must be a list of account ids.' })
        .min(1, { error: 'Choose at least one account the token may use.' })
        .max(200, { error: 'A token may name at most 200 accounts.' }),
    }),
    'Make an API token for other programs',
  ),
  'apiTokens.revoke': command<void>()(z.strictObject({ tokenId: z.string({ error: 'tokenId must be text.' }).regex(/^tok_[0-9a-f]{16}$/, { error: 'tokenId is not an API token id (tok_…).' }) }), 'Revoke an API token'),
  'webhooks.list': command<WebhookInfo[]>()(noInput, 'Webhooks (never their secrets) and their backlog'),
  /** The answer carries the signing secret, this once. */
  'webhooks.add': command<CreatedWebhook>()(
    z.strictObject({
      url: webhookUrlSchema,
      /** Leave out for every account. */
      accountId: accountIdSchema.optional(),
      events: z
        .array(z.enum(WEBHOOK_EVENTS, { error: `events may hold ${WEBHOOK_EVENTS.join(', ')}.` }), { error: 'events must be a list.' })
        .min(1, { error: 'Choose at least one event to send.' })
        .max(WEBHOOK_EVENTS.length, { error: 'Name each event once.' }),
    }),
    'Add a webhook (one account or all)',
  ),
  'webhooks.remove': command<void>()(z.strictObject({ webhookId: webhookIdSchema() }), 'Remove a webhook and what waits for it'),
  'webhooks.deliveries': command<WebhookAttempt[]>()(z.strictObject({ webhookId: webhookIdSchema() }), 'The last delivery attempts of a webhook, newest first'),
} as const;

function webhookIdSchema() {
  return z.string({ error: 'webhookId must be text.' }).regex(/^whk_[0-9a-f]{16}$/, { error: 'webhookId is not a webhook id (whk_…).' });
}

export interface ConnectResult {
  status: 'provisioned' | 'initialized' | 'in_progress';
  sliceId: string;
  port: number;
}

export type Commands = typeof COMMANDS;
export type CommandName = keyof Commands;
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

export type CommandInput<N extends CommandName> = z.output<Commands[N]['input']>;
/** What a caller may pass (before defaults/trim). */
export type CommandArgs<N extends CommandName> = z.input<Commands[N]['input']>;
export type CommandResult<N extends CommandName> = NonNullable<Commands[N]['result']> extends never
  ? void
  : Commands[N] extends CommandSpec<z.ZodType, infer R>
    ? R
    : never;

export function isCommandName(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(COMMANDS, name);
}

/** What the host implements: one async handler per command, inputs already parsed. */
export type CommandHandlers = {
  [N in CommandName]: (input: CommandInput<N>) => Promise<CommandResult<N>>;
};

// ── events ──────────────────────────────────────────────────────────────────

export interface EventMap {
  /** Sent on every change of a slice view (including back to `setup`). */
  slice: SliceView;
  /** The account list changed. */
  accounts: Account[];
  /** Docker/image status changed. */
  system: SystemStatus;
  /** A message arrived in, or was sent from, a chat. */
  'chat.message': { accountId: string; message: ChatMessage };
  /** An outgoing message changed status (queued → sent → delivered → read, or failed / cancelled). */
  'message.status': { accountId: string; chatId: string; queueId: string; messageId: string | null; status: OutgoingStatus; error: string | null };
  /** After each sampling round while someone asked for `slices.stats` recently: every running slice. */
  stats: SliceStats[];
}
export type EventName = keyof EventMap;
export const EVENT_NAMES: EventName[] = ['slice', 'accounts', 'system', 'chat.message', 'message.status', 'stats'];

export type AppEvent = { [K in EventName]: { type: K; data: EventMap[K] } }[EventName];

/** Anything that publishes app events (the core's bus). */
export interface AppEventSource {
  subscribe(listener: (event: AppEvent) => void): () => void;
}

// ── the envelope both transports carry ──────────────────────────────────────

import type { WireError } from './errors';
export type Envelope<T> = { ok: true; result: T } | { ok: false; error: WireError };
