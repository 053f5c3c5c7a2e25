/**
 * A piece of work run on a timer, one pass at a time: a pass asked for while one runs
 * joins it, a failed pass is logged and the timer goes on, and stop() waits for the pass
 * under way. The health monitor and the disk budget are each one of these.
 */
import type { Logger } from 'pino';

export class PeriodicPass {
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly logger: Logger,
    /** The log line of a failed pass. */
    private readonly failure: string,
  ) {}

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.runOnce(), intervalMs);
    this.timer.unref();
  }

  runOnce(): Promise<void> {
    this.pass ??= this.work()
      .catch((err: unknown) => this.logger.warn({ err }, this.failure))
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
