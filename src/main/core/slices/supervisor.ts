/**
 * Supervision of running slices: the health pass over all of them (health-monitor.ts
 * calls it on a timer), the check of one (a lost stream, a broken protocol), and the
 * restart ladder — a dead, silent or misbehaving slice is reported at once, then
 * restarted within the budget (`maxSliceRestarts` per `restartWindowMs`), else it
 * ends in `error` with words.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { isProvisioningStage, isTerminalStage } from '@shared/stages';
import type { SliceRow } from '../db/store';
import { HEALTH_PROBE_TIMEOUT_MS, SliceClient } from '../slice-client';
import { hostOf, pinnedNodeFailure, placeSlice } from './placement';
import type { Account, Owned } from './account';
import type { SliceFollower } from './slice-follower';
import type { SliceContext, SliceHandle } from './slice-state';
import type { Teardown } from './teardown';

/** After a failed health probe, how often and how far apart the container is looked at again. */
const SETTLE_LOOKS = 4;
const SETTLE_LOOK_MS = 150;
/** A refused probe of a running slice is asked again this many times in all, this far apart (a flooded port, issue 19). */
const FLOOD_PROBES = 5;
const FLOOD_PROBE_GAP_MS = 100;

export class Supervisor {
  constructor(
    private readonly state: SliceContext,
    private readonly follower: SliceFollower,
    private readonly teardown: Teardown,
  ) {
    // What the follower says about a running slice's stream: lost (is it alive?) or sick.
    follower.onTrouble((account, slice, trouble) => {
      const checking = trouble.kind === 'lost' ? this.check(account, slice) : this.reportSick(account, slice, trouble.why);
      checking.catch((err: unknown) => state.log.warn({ accountId: account.id, err }, trouble.kind === 'lost' ? 'checking a lost slice failed' : 'checking a misbehaving slice failed'));
    });
  }

  /** Running in the engine and answering /health (bounded by HEALTH_PROBE_TIMEOUT_MS). */
  async isHealthy(row: SliceRow): Promise<boolean> {
    if (!row.sliceRef || row.port === null) return false;
    const state = await this.state.deps.runtime.inspect(row.sliceRef);
    return state?.running === true && (await this.answersHealth(row));
  }

  /**
   * Answering /health at its address (each probe bounded by HEALTH_PROBE_TIMEOUT_MS), for a
   * slice the engine says runs. With `tellFlood`, a refused connection is asked again on a
   * fresh one, a few times close together: a port flooded by someone without the token
   * (issue 19) refuses or drops a connection now and then, while the slice's own process,
   * which keeps room for the token holder (src/http-kit), answers one of them. A slice that
   * is gone refuses every one; a hung one is silent, and that is not asked again.
   */
  private async answersHealth(row: SliceRow, tellFlood = false): Promise<boolean> {
    if (row.port === null) return false;
    for (let attempt = 0; ; attempt++) {
      const probe = new SliceClient({ host: hostOf(row), port: row.port, token: row.token ?? '' });
      let result: Awaited<ReturnType<SliceClient['probeHealth']>>;
      try {
        result = await probe.probeHealth();
      } finally {
        probe.close();
      }
      if ('health' in result) {
        if (attempt > 0) this.state.log.warn({ accountId: row.accountId, attempts: attempt + 1 }, 'a health probe was refused, then answered: the slice port is busy (flooded?)');
        return true;
      }
      if (!tellFlood || result.failure !== 'refused' || attempt + 1 >= FLOOD_PROBES) return false;
      await delay(FLOOD_PROBE_GAP_MS);
    }
  }

  /**
   * One health pass over every slice the host should be running, all at once: each
   * probe is bounded (HEALTH_PROBE_TIMEOUT_MS), so a hung slice is found within one
   * interval plus that bound however many slices there are, and delays no other.
   */
  async checkAll(): Promise<void> {
    await Promise.all(
      this.state.store
        .listSlices()
        .filter((row) => row.sliceId && !isTerminalStage(row.stage) && !isProvisioningStage(row.stage))
        .map((row) => this.check(this.state.account(row.accountId), this.state.slice(row.accountId, row.sliceId!)).catch((err: unknown) => this.state.log.warn({ accountId: row.accountId, err }, 'health check failed'))),
    );
  }

  /** The slice broke the protocol: its next check treats it as sick whatever /health says. */
  reportSick(account: Account, slice: SliceHandle, why: string): Promise<void> {
    account.step((held) => held.markSick(slice.sliceId, why));
    return this.check(account, slice);
  }

  /**
   * Health check of one running slice (health monitor, lost event stream):
   * healthy → make sure we follow it; dead or silent → reported at once, then
   * restarted within the budget, else `error`.
   */
  check(account: Account, slice: SliceHandle): Promise<void> {
    const { state } = this;
    const { sliceId } = slice;
    return account.run(async (owned) => {
      if (state.closed || owned.attempt) return;
      const row = slice.current();
      if (!row || isTerminalStage(row.stage) || isProvisioningStage(row.stage)) return;
      const { runtime, config } = state.deps;
      let engine = row.sliceRef ? await runtime.inspect(row.sliceRef) : null;
      const broke = owned.takeSick(sliceId);
      // The engine was just asked: only the probe is left to make (one inspect per check, not two).
      if (!broke && engine?.running && (await this.answersHealth(row, engine.status !== 'paused'))) {
        if (!owned.isFollowing(sliceId)) this.follower.follow(owned, slice, row.port!, row.token!, hostOf(row));
        return;
      }
      owned.unfollow(sliceId);
      // A probe fails first when the slice is exiting right now: look again (briefly, bounded),
      // so the words name the exit code rather than a missed health check.
      for (let look = 0; !broke && look < SETTLE_LOOKS && engine?.running && engine.status !== 'paused' && row.sliceRef; look++) {
        await delay(SETTLE_LOOK_MS);
        engine = await runtime.inspect(row.sliceRef);
      }
      const why = !engine
        ? 'its container is gone'
        : !engine.running
          ? `it stopped (exit code ${engine.exitCode ?? 'unknown'}${engine.oomKilled ? ', out of memory' : ''})`
          : broke
            ? broke
            : engine.status === 'paused'
              ? `it is paused in Docker and did not answer its health check within ${HEALTH_PROBE_TIMEOUT_MS / 1000} s`
              : `it did not answer its health check within ${HEALTH_PROBE_TIMEOUT_MS / 1000} s`;
      if (!engine || !owned.takeRestart(config.maxSliceRestarts, config.restartWindowMs)) {
        const words = !engine
          ? `The slice is gone (${why}). Click Connect to start it again.`
          : `The slice kept failing (${why}; ${config.maxSliceRestarts} restart${config.maxSliceRestarts === 1 ? '' : 's'} already tried). Click Connect to start a fresh one.`;
        slice.record('slice.dead', row.stage, why);
        await this.teardown.teardown(owned, slice, 'error', words);
        return;
      }
      // A paused slice cannot close anything: its grace would only be waited out.
      await this.restart(owned, slice, row, why, engine.status === 'paused' ? 0 : config.stopGraceMs);
    });
  }

  /**
   * One rung of the ladder: said at once, then the container restarted, waited for,
   * followed and initialized again. A slice still running is stopped gracefully (SIGTERM,
   * `graceMs` to close its client and browser, then SIGKILL): it may hold a session that
   * its browser has not written yet.
   */
  private async restart(owned: Owned, slice: SliceHandle, row: SliceRow, why: string, graceMs: number): Promise<void> {
    const { store, deps, log } = this.state;
    const { runtime, config } = deps;
    const restarts = row.restarts + 1;
    const note = `The slice stopped unexpectedly (${why}); restarting it (${restarts})…`;
    store.setRestarts(slice.accountId, slice.sliceId, restarts);
    // Reported at once, before the (slower) restart.
    slice.note(note);
    slice.record('restart', row.stage, note);
    log.warn({ ...slice.ids, why, restarts }, 'restarting a dead slice');
    // A linked account's slice restarts on the node holding its session volume (a
    // swarm's; one engine records no session node), others go where the engine puts them.
    const session = store.sessionNode(slice.accountId);
    try {
      await runtime.restart(row.sliceRef!, { graceMs, ...(session ? { node: session.node } : {}) });
      // A swarm may put the restarted task on another node: ask where it is now.
      const host = await placeSlice(runtime, store, slice, row.sliceRef!);
      const probe = new SliceClient({ host, port: row.port!, token: row.token! });
      try {
        await probe.waitForHealth({ timeoutMs: config.stageTimeoutsMs.waiting_for_health });
      } finally {
        probe.close();
      }
      const live = this.follower.follow(owned, slice, row.port!, row.token!, host);
      await live.subscription.opened;
      await live.client.initialize();
      slice.note(null);
    } catch (error) {
      // A pinned slice (its session on a node that now takes no tasks) is not moved away from its volume: say so.
      const pinned = pinnedNodeFailure(session, error);
      if (pinned) {
        await this.teardown.teardown(owned, slice, 'error', `The slice stopped and could not be restarted. ${pinned}`);
        return;
      }
      await this.teardown.teardown(owned, slice, 'error', `The slice could not be restarted (${(error as Error).message}). Click Connect to retry.`);
    }
  }
}
