/**
 * Periodic inspect + /health of every running slice. A dead slice is reported
 * at once and restarted within a bounded budget (supervisor.ts, reached through
 * SliceService.checkAll); passes never overlap. Each pass also refreshes the engine status, so the UI
 * hears (a `system` event) when Docker goes away or comes back.
 */
import type { Logger } from 'pino';
import { PeriodicPass } from './periodic-pass';
import type { SliceService } from './slice-service';

export class HealthMonitor {
  private readonly passes: PeriodicPass;

  constructor(private readonly deps: { slices: SliceService; logger: Logger; /** Refreshes docker/image status (emits `system` on change). */ refreshSystem?: () => Promise<unknown> }) {
    const pass = async () => {
      await Promise.resolve(deps.refreshSystem?.()).catch(() => undefined);
      await deps.slices.checkAll();
    };
    this.passes = new PeriodicPass(pass, deps.logger, 'health pass failed');
  }

  start(intervalMs: number): void {
    this.passes.start(intervalMs);
  }

  runOnce(): Promise<void> {
    return this.passes.runOnce();
  }

  stop(): Promise<void> {
    return this.passes.stop();
  }
}
