/**
 * The gateway other programs use (issue 21 part 3): API tokens, the commands a token may
 * reach, webhooks and their delivery log. Kept apart from types.ts so the gateway's
 * vocabulary reads in one place; contract.ts declares the operator's commands over it.
 */
import type { CommandName } from './contract';
import type { EpochMs } from './types';

/** `read`: look at accounts, chats and messages; `send`: also send and cancel messages. */
export const API_SCOPES = ['read', 'send'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/**
 * Every command an API token may reach, and the scope it needs. Anything not listed is the
 * operator's own (adding, renaming, removing accounts; connecting, destroying, logging out;
 * tokens and webhooks; the system and simulation commands) and is refused to every token.
 */
export const API_COMMAND_SCOPES = {
  'accounts.list': 'read',
  'slices.list': 'read',
  'slices.view': 'read',
  'chats.list': 'read',
  'chats.messages': 'read',
  'messages.media': 'read',
  'messages.send': 'send',
  'messages.cancel': 'send',
} as const satisfies Partial<Record<CommandName, ApiScope>>;
export type ApiCommandName = keyof typeof API_COMMAND_SCOPES;

export function isApiCommand(name: string): name is ApiCommandName {
  return Object.prototype.hasOwnProperty.call(API_COMMAND_SCOPES, name);
}

/** Where the API lives on the web mode: `POST /api/v1/<command>` with `Authorization: Bearer <API token>`. */
export const API_PREFIX = '/api/v1/';
/** The API's own version (the OpenAPI `info.version`): its path says v1; additions raise the minor. */
export const API_VERSION = '1.0.0';
/** The OpenAPI description (generated from the contract: `npm run docs:openapi`), served without a token. */
export const OPENAPI_PATH = '/api/v1/openapi.json';

/** An API token as the panel lists it: never its secret (only its hash is stored). */
export interface ApiTokenInfo {
  id: string;
  name: string;
  scope: ApiScope;
  accountIds: string[];
  createdAt: EpochMs;
  lastUsedAt: EpochMs | null;
}

/** What `apiTokens.create` answers: the token itself, shown this once. */
export interface CreatedApiToken {
  info: ApiTokenInfo;
  token: string;
}

/** What a webhook is sent. `message.incoming`: a message arrived; `message.status`: an outgoing one moved on (acks); `account.state`: an account's phase changed. */
export const WEBHOOK_EVENTS = ['message.incoming', 'message.status', 'account.state'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** The headers of every delivery (docs/SECURITY.md shows how to check them). */
export const WEBHOOK_HEADERS = {
  id: 'X-Slicedeck-Event-Id',
  type: 'X-Slicedeck-Event',
  /** Unix seconds of this attempt; part of what is signed. */
  timestamp: 'X-Slicedeck-Timestamp',
  /** `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. */
  signature: 'X-Slicedeck-Signature',
  attempt: 'X-Slicedeck-Attempt',
} as const;

export interface WebhookInfo {
  id: string;
  url: string;
  /** null: every account. */
  accountId: string | null;
  events: WebhookEventType[];
  createdAt: EpochMs;
  /** Events waiting to be delivered to it. */
  backlog: number;
}

export interface CreatedWebhook {
  info: WebhookInfo;
  /** The signing secret, shown this once. */
  secret: string;
}

/** One delivery attempt, for the panel's log. */
export interface WebhookAttempt {
  eventId: string;
  type: WebhookEventType;
  accountId: string;
  attempt: number;
  /** The receiver's HTTP status; null when it was not reached. */
  httpStatus: number | null;
  /** `delivered`; `retrying` (another attempt comes); `gave_up` (the last attempt failed: the event is dropped). */
  outcome: 'delivered' | 'retrying' | 'gave_up';
  /** What went wrong, in words; null when delivered. */
  error: string | null;
  at: EpochMs;
}

/** The body every delivery carries. */
export interface WebhookEnvelope {
  id: string;
  type: WebhookEventType;
  accountId: string;
  at: EpochMs;
  data: unknown;
}
