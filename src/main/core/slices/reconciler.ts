/**
 * Docker owns what exists; SQLite owns what was intended. The reconciler
 * compares both (at start-up, and on a timer) and repairs the difference:
 * - a container of this home with no live row is removed (an orphan; gracefully when it
 *   still runs, since it may hold a session);
 * - a row whose container is gone is cleared, with the reason recorded;
 * - a provisioning that a dead host process left half-way ends in `error`
 *   ("interrupted — click Connect to retry"), its container removed;
 * - a running slice in qr/linking/ready is adopted: followed again, timers re-armed;
 * - a session volume whose account no longer exists is removed (a volume of an
 *   existing account never is: it holds that account's WhatsApp session);
 * - what the runtime made beside the slices and nothing needs any more (a swarm's token
 *   secrets of slices that are gone; the data dir's slice network when no slice of this
 *   home exists) is swept by the runtime itself (SliceRuntime.sweepOrphans).
 * Only containers labelled with this `slicedeck.home` are ever listed, so another
 * install's slices on the same engine are never touched.
 */
import type { Logger } from 'pino';
import { isProvisioningStage, isTerminalStage, type Stage } from '@shared/stages';
import type { Store } from '../db/store';
import type { ManagedSlice, SliceRuntime } from '../docker/runtime';
import { INTERRUPTED_WORDS, type SliceService } from './slice-service';

export interface ReconcileReport {
  orphansRemoved: number;
  rowsCleared: number;
  interrupted: number;
  adopted: number;
  volumesRemoved: number;
  /** Leftovers of gone slices the runtime swept (a swarm's token secrets). */
  leftoversRemoved: number;
  /** The data dir's slice network was removed because nothing of this home runs. */
  networkRemoved: boolean;
}

/** Stages after which the container exists and was started, so a healthy one can be finished. */
const RESUMABLE = new Set<Stage>(['starting', 'waiting_for_health', 'initializing']);

export const CONTAINER_GONE_WORDS = 'The slice stopped while slicedeck was not watching — click Connect to start it again.';

export class Reconciler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<ReconcileReport> | null = null;

  constructor(
    private readonly deps: { store: Store; runtime: SliceRuntime; slices: SliceService; homeId: string; logger: Logger; stopGraceMs: number },
  ) {}

  /** One pass; concurrent callers share it. Throws docker_unreachable when the engine is down. */
  runOnce(): Promise<ReconcileReport> {
    if (!this.running) {
      this.running = this.pass().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.runOnce().catch((err: unknown) => this.deps.logger.debug({ err }, 'reconcile pass skipped'));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  private async pass(): Promise<ReconcileReport> {
    const { store, runtime, slices, homeId, logger, stopGraceMs } = this.deps;
    const report: ReconcileReport = { orphansRemoved: 0, rowsCleared: 0, interrupted: 0, adopted: 0, volumesRemoved: 0, leftoversRemoved: 0, networkRemoved: false };
    const containers = await runtime.listManaged(homeId);
    const bySliceId = new Map<string, ManagedSlice>();
    for (const container of containers) if (container.sliceId) bySliceId.set(container.sliceId, container);

    for (const snapshot of store.listSlices()) {
      if (!snapshot.sliceId || slices.hasAttempt(snapshot.accountId)) continue;
      await slices.withAccountLock(snapshot.accountId, async (owned) => {
        const row = store.getSlice(snapshot.accountId);
        // Re-read under the lock: a connect or destroy may have changed it meanwhile.
        if (!row?.sliceId || row.sliceId !== snapshot.sliceId || owned.attempt) return;
        const container = bySliceId.get(row.sliceId) ?? (row.sliceRef ? { ref: row.sliceRef, running: (await runtime.inspect(row.sliceRef))?.running ?? false } : undefined);
        if (isProvisioningStage(row.stage)) {
          // Nobody in this process is provisioning it: the host that was died mid-way.
          if (container?.running && RESUMABLE.has(row.stage) && (await slices.resumeProvisioning(owned, row))) {
            report.adopted++;
            return;
          }
          await slices.teardown(owned, row.sliceId, 'error', INTERRUPTED_WORDS);
          report.interrupted++;
          return;
        }
        if (isTerminalStage(row.stage)) {
          // A teardown a dead host left half-way (see Teardown.teardown); a slice still running
          // may be closing its browser right now: stopped gracefully, not killed under it.
          await slices.teardown(owned, row.sliceId, row.stage, row.error ?? row.note, { graceful: container?.running === true });
          report.rowsCleared++;
          return;
        }
        if (container?.running) {
          if (!owned.isFollowing(row.sliceId)) {
            slices.adopt(owned, row);
            report.adopted++;
          }
          return;
        }
        logger.info({ accountId: row.accountId, sliceId: row.sliceId }, 'the slice container is gone; clearing its row');
        await slices.teardown(owned, row.sliceId, 'error', CONTAINER_GONE_WORDS);
        report.rowsCleared++;
      });
    }

    // Orphans: this home's containers whose slice is not the current one of any row. One still
    // running may hold a session (e.g. its host died between the stop and clearing the row):
    // stopped gracefully, all at once, so the pass takes one grace at most.
    const live = new Set(store.listSlices().map((row) => row.sliceId).filter((id): id is string => id !== null));
    const orphans = containers.filter((container) => !(container.sliceId && live.has(container.sliceId)));
    await Promise.all(
      orphans.map(async (container) => {
        logger.info({ container: container.name, running: container.running }, 'removing an orphaned slice container');
        if (container.running) await runtime.stopAndRemove(container.ref, { graceMs: stopGraceMs });
        else await runtime.remove(container.ref);
      }),
    );
    report.orphansRemoved = orphans.length;
    report.volumesRemoved = await this.removeOrphanVolumes();
    // The runtime's own leftovers; with nothing of this home left, its network too (zero idle
    // resources). The next Connect makes it again; a Connect racing this pass recovers in runtime.start().
    const intended = (sliceId: string) => store.listSlices().some((row) => row.sliceId === sliceId);
    ({ leftoversRemoved: report.leftoversRemoved, networkRemoved: report.networkRemoved } = await runtime.sweepOrphans(homeId, intended));
    if (report.orphansRemoved || report.rowsCleared || report.interrupted || report.adopted || report.volumesRemoved || report.leftoversRemoved || report.networkRemoved) logger.info(report, 'reconciled');
    return report;
  }

  /**
   * Session volumes of accounts that are gone (removed while Docker was down, or
   * by a host that died half-way through Remove). Decided under each account's
   * lock, so a Remove or Connect in flight is never raced.
   */
  private async removeOrphanVolumes(): Promise<number> {
    const { store, runtime, slices, homeId, logger } = this.deps;
    let removed = 0;
    for (const volume of await runtime.listVolumes(homeId)) {
      // A volume we cannot attribute to an account is not ours to judge.
      if (!volume.accountId || store.getAccount(volume.accountId)) continue;
      const accountId = volume.accountId;
      await slices.withAccountLock(accountId, async () => {
        if (store.getAccount(accountId)) return;
        try {
          await runtime.removeVolume(volume.name);
          removed++;
          logger.info({ volume: volume.name, accountId }, 'removed the session volume of an account that no longer exists');
        } catch (err) {
          // In use by a container still being removed: the next pass gets it.
          logger.debug({ volume: volume.name, err }, 'could not remove an orphaned session volume yet');
        }
      });
    }
    return removed;
  }
}
