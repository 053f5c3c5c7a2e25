/**
 * A disk budget per account (issue 19, finding 7): a slice writes into its account's
 * session volume, which lives on the engine's disk with no size limit of its own
 * (Docker 20.10's local driver offers no quota on ext4, and overlay2's size option
 * needs xfs with project quotas). So the host watches: on a timer it measures each
 * running slice's volume where the volume's files are on this machine (dir-size.ts:
 * bounded, no symlinks followed, stops once over), and a slice past
 * SLICEDECK_VOLUME_MAX_MB is stopped with words and a History row. Passes never overlap.
 */
import type { Logger } from 'pino';
import { isTerminalStage } from '@shared/stages';
import { SlicedeckError } from '@shared/errors';
import type { Store } from '../db/store';
import type { SliceRuntime } from '../docker/runtime';
import { authVolumeName } from '../docker/labels';
import { measureDir } from '../docker/dir-size';
import { PeriodicPass } from './periodic-pass';
import type { SliceService } from './slice-service';
import { diskBudgetWords } from './words';

/** More entries than this in one volume is itself over budget (a Chromium profile holds a few thousand). */
export const VOLUME_MAX_ENTRIES = 200_000;
export const DISK_BUDGET_ROW = 'disk.budget';

export interface DiskBudgetDeps {
  store: Store;
  runtime: SliceRuntime;
  slices: SliceService;
  logger: Logger;
  homeId: string;
  maxBytes: number;
}

export class DiskBudget {
  private readonly passes: PeriodicPass;
  private unwatchableSaid = false;

  constructor(private readonly deps: DiskBudgetDeps) {
    this.passes = new PeriodicPass(() => this.checkAll(), deps.logger, 'disk budget pass failed');
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

  private async checkAll(): Promise<void> {
    const { store, runtime, slices, logger, homeId, maxBytes } = this.deps;
    // One at a time: a walk is disk I/O, and the budget is not a race.
    for (const row of store.listSlices()) {
      if (!row.sliceId || isTerminalStage(row.stage)) continue;
      const path = await runtime.localVolumePath(authVolumeName(homeId, row.accountId));
      if (!path) continue;
      const size = await measureDir(path, { stopAtBytes: maxBytes, maxEntries: VOLUME_MAX_ENTRIES });
      if (size.unreadable && !this.unwatchableSaid) {
        this.unwatchableSaid = true;
        logger.warn({ path }, 'cannot read the session volumes to watch their size (run slicedeck as a user that can read Docker\'s volumes, e.g. root); the disk budget is not enforced');
      }
      if (!size.stoppedEarly) continue;
      const words = diskBudgetWords(size.stoppedEarly, maxBytes, VOLUME_MAX_ENTRIES);
      logger.warn({ accountId: row.accountId, sliceId: row.sliceId, bytes: size.bytes, entries: size.entries }, 'a slice passed its disk budget; stopping it');
      slices.stopForCause(row.accountId, row.sliceId, DISK_BUDGET_ROW, new SlicedeckError('slice_failed', words));
    }
  }
}
