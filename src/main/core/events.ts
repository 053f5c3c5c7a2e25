/**
 * The core's typed event bus. Transports subscribe to it; a listener that throws
 * is logged and skipped so one broken window can never stall the host.
 */
import type { AppEvent, AppEventSource, EventMap, EventName } from '@shared/contract';
import type { Logger } from 'pino';

export class EventBus implements AppEventSource {
  private readonly listeners = new Set<(event: AppEvent) => void>();

  constructor(private readonly logger?: Logger) {}

  subscribe(listener: (event: AppEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit<K extends EventName>(type: K, data: EventMap[K]): void {
    const event = { type, data } as AppEvent;
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.logger?.warn({ err: error, type }, 'an event listener threw; skipped');
      }
    }
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
