/**
 * Records a core's events and waits for named ones: tests never sleep blindly,
 * and every wait is bounded (failing with what was seen instead).
 */
import type { AppEvent, AppEventSource, EventMap, EventName } from '@shared/contract';

export class EventRecorder {
  readonly events: AppEvent[] = [];
  private waiters: { test: (event: AppEvent) => boolean; resolve: (event: AppEvent) => void }[] = [];
  private readonly unsubscribe: () => void;

  constructor(source: AppEventSource) {
    this.unsubscribe = source.subscribe((event) => {
      this.events.push(event);
      for (const waiter of [...this.waiters]) {
        if (waiter.test(event)) {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          waiter.resolve(event);
        }
      }
    });
  }

  of<K extends EventName>(type: K): EventMap[K][] {
    return this.events.filter((event) => event.type === type).map((event) => event.data as EventMap[K]);
  }

  /** Resolves with the first event (already seen or future) of `type` matching `test`. */
  waitFor<K extends EventName>(type: K, test: (data: EventMap[K]) => boolean, timeoutMs = 30_000, what = `a ${type} event`): Promise<EventMap[K]> {
    const matches = (event: AppEvent) => event.type === type && test(event.data as EventMap[K]);
    const seen = this.events.find(matches);
    if (seen) return Promise.resolve(seen.data as EventMap[K]);
    return new Promise((resolve, reject) => {
      const waiter = {
        test: matches,
        resolve: (event: AppEvent) => {
          clearTimeout(timer);
          resolve(event.data as EventMap[K]);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const tail = this.events.slice(-8).map((e) => `${e.type}:${'stage' in (e.data as object) ? (e.data as { stage: string }).stage : ''}`);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last events: ${tail.join(', ') || 'none'}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Waits for the account's slice view to reach `stage`. */
  waitForStage(accountId: string, stage: string, timeoutMs = 30_000) {
    return this.waitFor('slice', (view) => view.accountId === accountId && view.stage === stage, timeoutMs, `account ${accountId} to reach stage ${stage}`);
  }

  clear(): void {
    this.events.length = 0;
  }

  stop(): void {
    this.unsubscribe();
  }
}
