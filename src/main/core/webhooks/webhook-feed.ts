/**
 * What the webhooks hear: the core's event bus, turned into webhook events and written to
 * the durable queue at once (before anything is sent). It only listens; nothing in the
 * connect flow knows about webhooks.
 *
 * - `chat.message` that is not ours → `message.incoming`
 * - `message.status` (queued → sent → delivered → read, failed, cancelled) → `message.status`
 * - `slice` whose phase differs from the last one seen for the account → `account.state`
 *   (views are published on every small change; only a phase change is a state change)
 */
import { randomBytes } from 'node:crypto';
import type { AppEvent, AppEventSource } from '@shared/contract';
import type { WebhookEnvelope, WebhookEventType } from '@shared/gateway';
import type { Phase } from '@shared/stages';
import type { Logger } from 'pino';
import type { WebhookStore } from './webhook-store';

export interface WebhookFeedOptions {
  events: AppEventSource;
  store: WebhookStore;
  /** Told after something was queued. */
  queued: () => void;
  logger?: Logger;
  now?: () => number;
}

export function newEventId(): string {
  return `evt_${randomBytes(12).toString('hex')}`;
}

export class WebhookFeed {
  private readonly lastPhase = new Map<string, Phase>();
  private readonly unsubscribe: () => void;
  private readonly now: () => number;

  constructor(private readonly options: WebhookFeedOptions) {
    this.now = options.now ?? Date.now;
    this.unsubscribe = options.events.subscribe((event) => this.hear(event));
  }

  private hear(event: AppEvent): void {
    switch (event.type) {
      case 'chat.message':
        if (!event.data.message.fromMe) this.publish(event.data.accountId, 'message.incoming', { message: event.data.message });
        return;
      case 'message.status': {
        const { accountId, ...status } = event.data;
        this.publish(accountId, 'message.status', status);
        return;
      }
      case 'slice': {
        const view = event.data;
        const before = this.lastPhase.get(view.accountId);
        if (before === view.phase) return;
        this.lastPhase.set(view.accountId, view.phase);
        this.publish(view.accountId, 'account.state', {
          phase: view.phase,
          previousPhase: before ?? null,
          stage: view.stage,
          error: view.error ?? null,
          note: view.note ?? null,
        });
        return;
      }
      default:
        return;
    }
  }

  /** Queues the event for every webhook that wants it; a failure to write is logged, never thrown into the bus. */
  publish(accountId: string, type: WebhookEventType, data: unknown): void {
    try {
      const targets = this.options.store.targetsFor(accountId, type);
      if (targets.length === 0) return;
      const at = this.now();
      const envelope: WebhookEnvelope = { id: newEventId(), type, accountId, at, data };
      this.options.store.enqueue(
        targets.map((t) => t.id),
        envelope.id,
        accountId,
        type,
        JSON.stringify(envelope),
        at,
      );
      this.options.queued();
    } catch (error) {
      this.options.logger?.error({ err: error, accountId, type }, 'a webhook event could not be queued');
    }
  }

  close(): void {
    this.unsubscribe();
  }
}
