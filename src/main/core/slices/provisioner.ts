/**
 * Connect, up to the slice's event stream (PRODUCT §1): single-flight per account,
 * a healthy slice reused, otherwise a new one provisioned with every stage
 * persisted before its work starts (engine and image → port → container → started
 * and placed → healthy → followed and initialized). A failure or a cancel at any
 * point tears down what was taken; a provisioning that a dead host left half-way
 * with a healthy container is finished instead (resume).
 */
import { SlicedeckError } from '@shared/errors';
import { isProvisioningStage, isTerminalStage, type ProvisioningStage } from '@shared/stages';
import type { ConnectResult } from '@shared/contract';
import { volumeLabels } from '../docker/labels';
import { LOCAL_LOCATION, PortTakenError } from '../docker/runtime';
import type { SliceRow } from '../db/store';
import { SliceClient } from '../slice-client';
import { newSliceId } from './ids';
import { hostOf, pinnedNodeFailure, placeSlice } from './placement';
import { formatRange, isPortBindable, rangeSize } from './ports';
import type { Attempt, Owned } from './account';
import type { SliceFollower } from './slice-follower';
import { buildSliceSpec } from './slice-spec';
import type { SliceContext, SliceHandle } from './slice-state';
import type { StageClock } from './stage-clock';
import type { Supervisor } from './supervisor';
import type { Teardown } from './teardown';
import { asSlicedeckError } from './words';

const MAX_PORT_PROBES = 32;
const EXIT_WATCH_INTERVAL_MS = 250;
const MAX_PORT_TAKEN_RETRIES = 3;
/** How long after the stage timer the health wait gives up by itself, should that timer not fire. */
const HEALTH_WAIT_BACKSTOP_MS = 5_000;

export class Provisioner {
  constructor(
    private readonly state: SliceContext,
    private readonly clock: StageClock,
    private readonly follower: SliceFollower,
    private readonly supervisor: Supervisor,
    private readonly teardown: Teardown,
  ) {}

  /**
   * Single-flight per account: a Connect while one is in flight joins it and
   * answers `in_progress` with the same slice. The check and the registration
   * happen in the same tick, so ten fast clicks start exactly one attempt.
   */
  async connect(accountId: string): Promise<ConnectResult> {
    const { state } = this;
    state.requireAccount(accountId);
    if (state.closed) throw new SlicedeckError('conflict', 'slicedeck is shutting down; try again after it restarts.');
    const account = state.account(accountId);
    const inFlight = account.step((held) => held.attempt);
    if (inFlight) {
      const result = await inFlight.done;
      return { status: 'in_progress', sliceId: result.sliceId, port: result.port };
    }
    const attempt: Attempt = { sliceId: newSliceId(), controller: new AbortController(), cancelled: false, done: undefined as never };
    attempt.done = account.run((owned) => this.connectLocked(owned, attempt)).finally(() => account.step((held) => held.endAttempt(attempt)));
    account.step((held) => held.startAttempt(attempt));
    return attempt.done;
  }

  private async connectLocked(owned: Owned, attempt: Attempt): Promise<ConnectResult> {
    const accountId = owned.id;
    // Re-checked in this run: a Remove queued ahead of this Connect has deleted the account.
    this.state.requireAccount(accountId);
    attempt.controller.signal.throwIfAborted();
    const row = this.state.store.getSlice(accountId);
    if (row?.sliceId && !isTerminalStage(row.stage)) {
      const running = this.state.slice(accountId, row.sliceId);
      if (!isProvisioningStage(row.stage) && row.port !== null && row.token && (await this.supervisor.isHealthy(row))) {
        const live = this.follower.follow(owned, running, row.port, row.token, hostOf(row));
        await live.client.initialize();
        running.record('initialize', row.stage, 'Connect reused the running slice');
        return { status: 'initialized', sliceId: row.sliceId, port: row.port };
      }
      // What is left is not usable (stopped, unhealthy, or a provisioning nobody finishes): start afresh.
      await this.teardown.teardown(owned, running, 'idle', null);
    }
    return this.provision(owned, this.state.slice(accountId, attempt.sliceId), attempt);
  }

  private async provision(owned: Owned, slice: SliceHandle, attempt: Attempt): Promise<ConnectResult> {
    const { store, deps, log } = this.state;
    const { runtime, config, homeId } = deps;
    const { accountId, sliceId } = slice;
    slice.publish(store.beginAttempt(accountId, sliceId));
    // Derived from the slice id by the data dir's key (secrets/slice-tokens.ts); never stored.
    const token = store.getSlice(accountId)!.token!;
    const signal = attempt.controller.signal;
    let sliceRef: string | null = null;
    let port = 0;
    /**
     * The node holding the account's saved session, which its slice must run on (volumes
     * are node-local on a swarm); null when unpinned (forgetting a session forgets its
     * node: Store.setSessionSaved). One engine never records one.
     */
    const pinned = store.sessionNode(accountId);
    /** Where the started slice's port is reached (the runtime's location: 127.0.0.1 on one engine, a node on a swarm). */
    let host: string = LOCAL_LOCATION.address;

    /** Persist + emit the stage before its work starts, then run the work unless aborted. */
    const stage = async <T>(name: ProvisioningStage, work: () => Promise<T>): Promise<T> => {
      signal.throwIfAborted();
      this.clock.enterStage(owned, slice, name);
      return abortable(work(), signal);
    };
    const hook = deps.stageHook;
    /** The stage hook's point inside a stage's work (see StagePoint); nothing at all without a hook. */
    const hold = async (name: ProvisioningStage): Promise<void> => {
      if (hook) await hook({ accountId, sliceId, stage: name });
    };

    this.clock.afterStageChange(owned, slice, 'pending');
    try {
      await abortable(
        (async () => {
          await deps.requireDocker();
          if (!(await runtime.imagePresent(config.image))) {
            throw new SlicedeckError('image_missing', `The slice image ${config.image} is not in Docker. Build it with \`npm run slice:image\` (or set SLICEDECK_IMAGE), then click Connect again.`);
          }
          await hold('pending');
        })(),
        signal,
      );

      const excluded = new Set<number>();
      for (let tries = 0; ; tries++) {
        port = await stage('allocating_port', async () => {
          const reserved = await this.reservePort(slice, excluded);
          await hold('allocating_port');
          return reserved;
        });
        const spec = buildSliceSpec(config, { homeId, accountId, sliceId, port, token });
        // The account's proxy, password included, goes in as a file beside the token (never the environment).
        const proxy = store.accountProxy(accountId);
        if (proxy) spec.proxy = proxy;
        // A linked account relinks where its session volume is; others go where the engine puts them.
        if (pinned) spec.node = pinned.node;
        sliceRef = await stage('creating_container', async () => {
          await runtime.ensureVolume(spec.volume, volumeLabels(homeId, accountId));
          const creating = runtime.create(spec);
          // If we are aborted while Docker is still creating, remove the container the moment it exists.
          creating.then(
            (id) => {
              if (signal.aborted) runtime.remove(id).catch(() => undefined);
            },
            () => undefined,
          );
          const id = await creating;
          await hold('creating_container');
          store.setSliceRef(accountId, sliceId, id);
          return id;
        });
        try {
          await stage('starting', async () => {
            await runtime.start(sliceRef!).catch((error: unknown) => {
              const words = pinnedNodeFailure(pinned, error);
              if (words) throw new SlicedeckError('slice_failed', words);
              throw error;
            });
            host = await placeSlice(runtime, store, slice, sliceRef!);
            await hold('starting');
          });
          break;
        } catch (error) {
          if (!(error instanceof PortTakenError) || tries + 1 >= MAX_PORT_TAKEN_RETRIES) throw error;
          // Something outside slicedeck grabbed the port between our check and Docker's bind.
          log.warn({ ...slice.ids, port }, 'docker says the port is taken; choosing another');
          excluded.add(port);
          await runtime.remove(sliceRef!);
          store.setSliceRef(accountId, sliceId, null);
          sliceRef = null;
        }
      }

      const live = await stage('waiting_for_health', async () => {
        const client = new SliceClient({ host, port, token });
        // Stop waiting as soon as the container dies (crash, out of memory) instead of at the timeout.
        const watching = new AbortController();
        try {
          await Promise.race([
            // The stage timer owns this deadline (it aborts `signal` with its words); the
            // wait's own limit is only a backstop, later, so the two never race.
            client.waitForHealth({ timeoutMs: config.stageTimeoutsMs.waiting_for_health + HEALTH_WAIT_BACKSTOP_MS, signal: AbortSignal.any([signal, watching.signal]) }),
            this.rejectWhenExited(sliceRef!, watching.signal),
          ]);
        } finally {
          watching.abort();
          client.close();
        }
        await hold('waiting_for_health');
        // Aborted while waiting: this attempt must not start following anything.
        signal.throwIfAborted();
        return this.follower.follow(owned, slice, port, token, host);
      });

      await stage('initializing', async () => {
        // Subscribe before initialize so the first code can never be missed.
        await live.subscription.opened;
        await hold('initializing');
        await live.client.initialize();
      });
      return { status: 'provisioned', sliceId, port };
    } catch (error) {
      const reason = signal.aborted && signal.reason instanceof Error ? signal.reason : error;
      const failure = asSlicedeckError(reason);
      if (!attempt.cancelled) log.warn({ ...slice.ids, err: error }, 'provisioning failed');
      await this.teardown.teardown(owned, slice, attempt.cancelled ? 'idle' : 'error', attempt.cancelled ? null : failure.message, { sweepLabels: true });
      throw failure;
    }
  }

  /** Rejects with words if the container stops running; resolves never otherwise (until `stop`). */
  private async rejectWhenExited(sliceRef: string, stop: AbortSignal): Promise<never> {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, EXIT_WATCH_INTERVAL_MS));
      if (stop.aborted) return new Promise<never>(() => undefined);
      const state = await this.state.deps.runtime.inspect(sliceRef).catch(() => undefined);
      if (state === undefined || state?.running) continue;
      const why = !state ? 'its container disappeared' : `exit code ${state.exitCode ?? 'unknown'}${state.oomKilled ? ', out of memory — raise SLICEDECK_SLICE_MEMORY_MB' : ''}`;
      throw new SlicedeckError('slice_failed', `The slice stopped while starting (${why}). Click Connect to retry; if it keeps happening, check the slice image (npm run slice:image).`);
    }
  }

  private async reservePort(slice: SliceHandle, excluded: Set<number>): Promise<number> {
    const { store, deps } = this.state;
    const range = deps.config.portRange;
    for (let probe = 0; probe < MAX_PORT_PROBES; probe++) {
      const port = store.reservePort(slice.accountId, slice.sliceId, range, excluded);
      if (port === null) break;
      if (await isPortBindable(port)) return port;
      // Held by something outside this home (another program, another slicedeck): skip it.
      excluded.add(port);
    }
    throw new SlicedeckError(
      'ports_exhausted',
      `No free port is left in SLICEDECK_PORT_RANGE (currently ${formatRange(range)}, ${rangeSize(range)} port${rangeSize(range) === 1 ? '' : 's'}; ${store.portsInUse()} held by slices). Destroy a slice you no longer need, or set SLICEDECK_PORT_RANGE to a wider range (for example 47100-47499) and restart slicedeck.`,
    );
  }

  /**
   * A provisioning that a dead host left with a healthy, running container is
   * finished instead of thrown away: follow it and forward initialize.
   * Returns false when it could not be resumed.
   */
  async resume(owned: Owned, row: SliceRow): Promise<boolean> {
    if (!row.sliceId || row.port === null || !row.token || !(await this.supervisor.isHealthy(row))) return false;
    const slice = this.state.slice(row.accountId, row.sliceId);
    try {
      this.clock.enterStage(owned, slice, 'initializing');
      const live = this.follower.follow(owned, slice, row.port, row.token, hostOf(row));
      await live.subscription.opened;
      await live.client.initialize();
      slice.record('adopted', 'initializing', 'A provisioning interrupted by a restart of slicedeck was resumed');
      return true;
    } catch (error) {
      this.state.log.warn({ accountId: row.accountId, err: error }, 'could not resume an interrupted provisioning');
      return false;
    }
  }
}

/** Rejects as soon as `signal` aborts; the work itself continues and its result is ignored. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
