/**
 * The gateway for other programs (issue 21 part 3), assembled: API tokens, webhooks (the
 * feed from the event bus, the durable queue, its delivery) and the operator's commands
 * over them. The core spreads `handlers` into its table and hands `verifyToken` to the web
 * transport's API route.
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { AppEventSource, CommandHandlers } from '@shared/contract';
import { SlicedeckError } from '@shared/errors';
import type { ApiTokenInfo } from '@shared/gateway';
import { ApiTokenStore } from './api-tokens/api-token-store';
import type { BackoffSettings } from './webhooks/backoff';
import { WebhookDelivery } from './webhooks/webhook-delivery';
import { WebhookFeed } from './webhooks/webhook-feed';
import { WebhookStore, type QueuedDelivery } from './webhooks/webhook-store';

export type GatewayHandlers = Pick<
  CommandHandlers,
  'apiTokens.list' | 'apiTokens.create' | 'apiTokens.revoke' | 'webhooks.list' | 'webhooks.add' | 'webhooks.remove' | 'webhooks.deliveries'
>;

export interface GatewayOptions {
  db: Database.Database;
  events: AppEventSource;
  logger?: Logger;
  backoff: BackoffSettings;
  timeoutMs: number;
  /** The account must exist when a token or webhook names it. */
  accountExists: (accountId: string) => boolean;
  onDelivered?: (item: QueuedDelivery) => void;
}

export interface Gateway {
  handlers: GatewayHandlers;
  /** The token's row when `presented` is a live API token; null otherwise. */
  verifyToken(presented: string): ApiTokenInfo | null;
  /** Events waiting for delivery (every webhook). */
  backlog(): number;
  webhookStore: WebhookStore;
  delivery: WebhookDelivery;
  close(): Promise<void>;
}

function unknownAccounts(ids: string[], exists: (id: string) => boolean): never | void {
  const missing = ids.filter((id) => !exists(id));
  if (missing.length > 0) throw new SlicedeckError('not_found', `There is no account ${missing.join(', ')} (it may have been removed). Refresh and choose again.`);
}

export function createGateway(options: GatewayOptions): Gateway {
  const tokens = new ApiTokenStore(options.db);
  const webhookStore = new WebhookStore(options.db);
  const delivery = new WebhookDelivery({ store: webhookStore, logger: options.logger, backoff: options.backoff, timeoutMs: options.timeoutMs, onDelivered: options.onDelivered });
  const feed = new WebhookFeed({ events: options.events, store: webhookStore, queued: () => delivery.kick(), logger: options.logger });
  // What waited when the host stopped goes out now.
  delivery.kick();

  const handlers: GatewayHandlers = {
    'apiTokens.list': async () => tokens.list(),
    'apiTokens.create': async ({ name, scope, accountIds }) => {
      unknownAccounts(accountIds, options.accountExists);
      const created = tokens.create(name, scope, accountIds);
      options.logger?.info({ tokenId: created.info.id, scope, accounts: accountIds.length }, 'API token made');
      return created;
    },
    'apiTokens.revoke': async ({ tokenId }) => {
      if (!tokens.revoke(tokenId)) throw new SlicedeckError('not_found', 'There is no such API token (it may be revoked already). Refresh the list.');
      options.logger?.info({ tokenId }, 'API token revoked');
    },
    'webhooks.list': async () => webhookStore.list(),
    'webhooks.add': async ({ url, accountId, events }) => {
      if (accountId) unknownAccounts([accountId], options.accountExists);
      const created = webhookStore.add(url, accountId ?? null, events, Date.now());
      options.logger?.info({ webhookId: created.info.id, accountId: accountId ?? 'all', events }, 'webhook added');
      return created;
    },
    'webhooks.remove': async ({ webhookId }) => {
      if (!webhookStore.remove(webhookId)) throw new SlicedeckError('not_found', 'There is no such webhook (it may be removed already). Refresh the list.');
      options.logger?.info({ webhookId }, 'webhook removed');
    },
    'webhooks.deliveries': async ({ webhookId }) => {
      if (!webhookStore.exists(webhookId)) throw new SlicedeckError('not_found', 'There is no such webhook (it may have been removed). Refresh the list.');
      return webhookStore.deliveries(webhookId);
    },
  };

  return {
    handlers,
    verifyToken: (presented) => tokens.verify(presented),
    backlog: () => webhookStore.backlog(),
    webhookStore,
    delivery,
    async close() {
      feed.close();
      await delivery.close();
    },
  };
}
