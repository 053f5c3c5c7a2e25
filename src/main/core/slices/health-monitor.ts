/**
 * Periodic inspect + /health of every running slice. A dead slice is reported
 * at once and restarted within a bounded budget (supervisor.ts, reached through
 * SliceService.checkAll); passes never overlap. Each pass also refreshes the engine status, so the UI
 * hears (a `system` event) when Docker goes away or comes back.
 */
import type { Logger } from 'pino';
import type { SliceService } from './slice-service';

export class HealthMonitor {
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;

  constructor(private readonly deps: { slices: SliceService; logger: Logger; /** Refreshes docker/image status (emits `system` on change). */ refreshSystem?: () => Promise<unknown> }) {}

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.runOnce(), intervalMs);
    this.timer.unref();
  }

  runOnce(): Promise<void> {
    this.pass ??= Promise.resolve(this.deps.refreshSystem?.())
      .catch(() => undefined)
      .then(() => this.deps.slices.checkAll())
      .catch((err: unknown) => this.deps.logger.warn({ err }, 'health pass failed'))
      .finally(() => {
        this.pass = null;
      });
    return this.pass;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.pass;
  }
}
