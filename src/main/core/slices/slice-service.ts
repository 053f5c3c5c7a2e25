/**
 * The connect flow of PRODUCT §1: per-account single-flight, reuse of a healthy
 * slice, provisioning with every stage persisted before it starts, the slice's
 * events turned into views, host-side QR expiry and stage safety timeouts, and
 * teardown that always frees what was taken.
 */
import type { Logger } from 'pino';
import { SlicedeckError, isSlicedeckError } from '@shared/errors';
import { isProvisioningStage, isTerminalStage, type ProvisioningStage, type Stage } from '@shared/stages';
import type { Chat, ChatMessage, InstanceState, QrInfo, SendResult, SliceEventRecord, SliceView } from '@shared/types';
import type { ConnectResult } from '@shared/contract';
import type { SimFaultKind, SliceEvent } from '@shared/slice-protocol';
import type { CoreConfig } from '../config';
import type { SliceRow, Store } from '../db/store';
import type { EventBus } from '../events';
import { LABELS, authVolumeName } from '../docker/labels';
import { LOCAL_LOCATION, PortTakenError, type SliceLocation, type SliceRuntime } from '../docker/runtime';
import { HEALTH_PROBE_TIMEOUT_MS, SliceClient, SliceProtocolError, type SliceSubscription } from '../slice-client';
import { KeyedLock } from './keyed-lock';
import { newSliceId } from './ids';
import { formatRange, isPortBindable, rangeSize } from './ports';
import { buildSliceSpec } from './slice-spec';
import { projectView, type ViewExtras } from './view';
import { setTimeout as delay } from 'node:timers/promises';

export const INTERRUPTED_WORDS = 'interrupted — click Connect to retry';
/** Why a Ready account went back to Connect on its own (PRODUCT §1 step 6). */
export const SESSION_REFUSED_WORDS = 'WhatsApp did not accept the saved session (the device was probably removed on the phone, under Linked devices). Scan the new code to link this account again.';
/** A linked account's session is on a node that takes no slices now (swarm: volumes are node-local). */
export function pinnedNodeWords(name: string, why: string): string {
  return `This account's WhatsApp session is saved on node ${name}, which cannot run its slice now (down or drained: ${why}). Wait for node ${name} to come back, or Log out and link again elsewhere (a new code, on whichever node the swarm chooses).`;
}
export const LOGGED_OUT_WORDS = 'WhatsApp logged this account out (it was logged out or unlinked on the phone). Click Connect WhatsApp to link it again with a new code.';
const MAX_PORT_PROBES = 32;
const EXIT_WATCH_INTERVAL_MS = 250;
const MAX_PORT_TAKEN_RETRIES = 3;
/** After a failed health probe, how often and how far apart the container is looked at again. */
const SETTLE_LOOKS = 4;
const SETTLE_LOOK_MS = 150;
/** How long after the stage timer the health wait gives up by itself, should that timer not fire. */
const HEALTH_WAIT_BACKSTOP_MS = 5_000;
/**
 * Allowance after an intermediate code's expiry before the host assumes the slice
 * stopped rotating (WhatsApp's rotation is its own; the driver allows 3 s too).
 */
const QR_ROTATION_GRACE_MS = 3_000;
/**
 * After the codes' end, the slice asks WhatsApp whether a phone is logging in and
 * says so (`pairing`); the host's timer is only a backstop, this much later.
 */
const QR_DECISION_MARGIN_MS = 3_000;

export interface SliceServiceDeps {
  config: CoreConfig;
  store: Store;
  runtime: SliceRuntime;
  bus: EventBus;
  logger: Logger;
  homeId: string;
  /** Verifies the engine answers (and records its status); throws docker_unreachable. */
  requireDocker: () => Promise<void>;
  /** Test seam, absent in the product: see `StageHook`. */
  stageHook?: StageHook;
  /** The outgoing queue (outbox/): what the slice says about messages we sent, and how many wait. */
  outgoing?: OutgoingHooks;
}

/** How the slice service tells the outgoing queue (outbox/outbox.ts) what a slice said. */
export interface OutgoingHooks {
  ack(accountId: string, messageId: string, ack: number): void;
  sliceQueued(accountId: string, sliceId: string, queueId: string, messageId: string | null, error: string | null): void;
  queued(accountId: string): number;
}

/**
 * Where a provisioning stage's work stands when the stage hook is called: its
 * effect in Docker or SQLite is done, but nothing after it has happened yet.
 * - pending: the engine answered and the image is present;
 * - allocating_port: the port is reserved in SQLite (and was bindable);
 * - creating_container: Docker created the container (and the volume); its id is not stored yet;
 * - starting: Docker started the container;
 * - waiting_for_health: the slice answered its health check; the host does not follow it yet;
 * - initializing: the slice's event stream is open; `initialize` is not sent yet.
 */
export interface StagePoint {
  accountId: string;
  sliceId: string;
  stage: ProvisioningStage;
}

/**
 * A test-only seam (createCore's `stageHook`): awaited at one fixed point inside
 * each provisioning stage's work, so a crash test can hold the host there and kill
 * it deterministically. The product never passes one; without it nothing is awaited.
 */
export type StageHook = (point: StagePoint) => Promise<void>;

/** One in-flight connect for an account. */
interface Attempt {
  sliceId: string;
  controller: AbortController;
  /** Set when Destroy/Log out/close superseded the attempt: it ends in `idle`, not `error`. */
  cancelled: boolean;
  done: Promise<ConnectResult>;
}

/** A slice the host is following: its client and event stream. */
interface LiveSlice {
  sliceId: string;
  client: SliceClient;
  subscription: SliceSubscription;
  seenMessageIds: Set<string>;
}

export class SliceService {
  private readonly attempts = new Map<string, Attempt>();
  private readonly live = new Map<string, LiveSlice>();
  /** Ephemeral per-slice facts the slice replays on reconnect: a pairing code on offer, the loading percent. */
  private readonly linkInfo = new Map<string, { sliceId: string; pairingCode?: { code: string; expiresAt: number }; loadingPercent?: number }>();
  /** The one safety/QR timer per account, re-armed on every stage change. */
  private readonly stageTimers = new Map<string, NodeJS.Timeout>();
  private readonly lock = new KeyedLock();
  /** Slices that broke the protocol since their last health check: sick, however well /health answers. */
  private readonly misbehaved = new Map<string, { sliceId: string; why: string }>();
  private closed = false;

  constructor(private readonly deps: SliceServiceDeps) {}

  private get log(): Logger {
    return this.deps.logger;
  }

  // ── queries ───────────────────────────────────────────────────────────────

  view(accountId: string): SliceView {
    this.requireAccount(accountId);
    const row = this.deps.store.getSlice(accountId);
    return projectView(accountId, row, this.extrasOf(accountId, row));
  }

  list(): SliceView[] {
    return this.deps.store.listAccounts().map((account) => {
      const row = this.deps.store.getSlice(account.id);
      return projectView(account.id, row, this.extrasOf(account.id, row));
    });
  }

  /** What the view shows beyond the row: a saved session being restored, a pairing code, WhatsApp's loading percent, the queue. */
  private extrasOf(accountId: string, row: SliceRow | undefined): ViewExtras {
    const info = row?.sliceId ? this.linkInfo.get(accountId) : undefined;
    const mine = info && info.sliceId === row?.sliceId ? info : undefined;
    return {
      sessionSaved: this.deps.store.sessionSaved(accountId),
      ...(mine?.pairingCode ? { pairingCode: mine.pairingCode } : {}),
      ...(mine?.loadingPercent !== undefined ? { loadingPercent: mine.loadingPercent } : {}),
      queued: this.deps.outgoing?.queued(accountId) ?? 0,
    };
  }

  /** The account's slice if it is Ready and not reconnecting (what the outgoing queue hands messages to). */
  readySlice(accountId: string): { sliceId: string; client: SliceClient } | null {
    const live = this.live.get(accountId);
    const row = this.deps.store.getSlice(accountId);
    if (!live || !row || row.sliceId !== live.sliceId || row.stage !== 'ready' || row.error) return null;
    return { sliceId: live.sliceId, client: live.client };
  }

  /** Link by phone number: asks the slice (showing codes) for WhatsApp's pairing code for that number. */
  async pairingCode(accountId: string, phoneNumber: string): Promise<{ code: string; expiresAt: number }> {
    const row = this.deps.store.getSlice(accountId);
    if (row && row.stage !== 'qr' && !isProvisioningStage(row.stage)) {
      throw new SlicedeckError('conflict', row.stage === 'ready' || row.stage === 'linking' ? 'This account is already linked (or linking): no code is needed.' : 'No code is on offer right now. Click Connect WhatsApp first, then choose Link with phone number.');
    }
    return this.clientFor(accountId).pairingCode(phoneNumber);
  }

  history(accountId: string): SliceEventRecord[] {
    this.requireAccount(accountId);
    return this.deps.store.history(accountId);
  }

  hasAttempt(accountId: string): boolean {
    return this.attempts.has(accountId);
  }

  isFollowing(accountId: string, sliceId: string): boolean {
    return this.live.get(accountId)?.sliceId === sliceId;
  }

  // ── connect ───────────────────────────────────────────────────────────────

  /**
   * Single-flight per account: a Connect while one is in flight joins it and
   * answers `in_progress` with the same slice. The check and the registration
   * happen in the same tick, so ten fast clicks start exactly one attempt.
   */
  async connect(accountId: string): Promise<ConnectResult> {
    this.requireAccount(accountId);
    if (this.closed) throw new SlicedeckError('conflict', 'slicedeck is shutting down; try again after it restarts.');
    const inFlight = this.attempts.get(accountId);
    if (inFlight) {
      const result = await inFlight.done;
      return { status: 'in_progress', sliceId: result.sliceId, port: result.port };
    }
    const attempt: Attempt = { sliceId: newSliceId(), controller: new AbortController(), cancelled: false, done: undefined as never };
    attempt.done = this.lock.run(accountId, () => this.connectLocked(accountId, attempt)).finally(() => {
      if (this.attempts.get(accountId) === attempt) this.attempts.delete(accountId);
    });
    this.attempts.set(accountId, attempt);
    return attempt.done;
  }

  private async connectLocked(accountId: string, attempt: Attempt): Promise<ConnectResult> {
    // Re-checked under the lock: a Remove queued ahead of this Connect has deleted the account.
    this.requireAccount(accountId);
    attempt.controller.signal.throwIfAborted();
    const row = this.deps.store.getSlice(accountId);
    if (row?.sliceId && !isTerminalStage(row.stage)) {
      if (!isProvisioningStage(row.stage) && row.port !== null && row.token && (await this.isHealthy(row))) {
        const live = this.follow(accountId, row.sliceId, row.port, row.token, hostOf(row));
        await live.client.initialize();
        this.deps.store.record({ accountId, sliceId: row.sliceId, type: 'initialize', stage: row.stage, message: 'Connect reused the running slice' });
        return { status: 'initialized', sliceId: row.sliceId, port: row.port };
      }
      // What is left is not usable (stopped, unhealthy, or a provisioning nobody finishes): start afresh.
      await this.teardown(accountId, row.sliceId, 'idle', null);
    }
    return this.provision(accountId, attempt);
  }

  private async provision(accountId: string, attempt: Attempt): Promise<ConnectResult> {
    const { store, runtime, config } = this.deps;
    const { sliceId } = attempt;
    this.publish(accountId, store.beginAttempt(accountId, sliceId));
    // Derived from the slice id by the data dir's key (secrets/slice-tokens.ts); never stored.
    const token = store.getSlice(accountId)!.token!;
    const signal = attempt.controller.signal;
    let containerId: string | null = null;
    let port = 0;
    /** The swarm node holding the account's saved session, which its slice must run on; null when unpinned. */
    const pinned = config.runtime === 'swarm' && store.sessionSaved(accountId) ? store.sessionNode(accountId) : null;
    /** Where the started slice's port is reached (the runtime's location: 127.0.0.1 on one engine, a node on a swarm). */
    let host: string = LOCAL_LOCATION.address;

    /** Persist + emit the stage before its work starts, then run the work unless aborted. */
    const stage = async <T>(name: ProvisioningStage, work: () => Promise<T>): Promise<T> => {
      signal.throwIfAborted();
      this.enterStage(accountId, sliceId, name);
      return abortable(work(), signal);
    };
    const hook = this.deps.stageHook;
    /** The stage hook's point inside a stage's work (see StagePoint); nothing at all without a hook. */
    const hold = async (name: ProvisioningStage): Promise<void> => {
      if (hook) await hook({ accountId, sliceId, stage: name });
    };

    this.afterStageChange(accountId, sliceId, 'pending');
    try {
      await abortable(
        (async () => {
          await this.deps.requireDocker();
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
          const reserved = await this.reservePort(accountId, sliceId, excluded);
          await hold('allocating_port');
          return reserved;
        });
        const spec = buildSliceSpec(config, { homeId: this.deps.homeId, accountId, sliceId, port, token });
        // A linked account relinks where its session volume is (node-local on a swarm); others go where the swarm puts them.
        if (pinned) spec.node = pinned.node;
        containerId = await stage('creating_container', async () => {
          await runtime.ensureVolume(spec.volume, { [LABELS.managed]: 'true', [LABELS.home]: this.deps.homeId, [LABELS.accountId]: accountId });
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
          store.setContainer(accountId, sliceId, id);
          return id;
        });
        try {
          await stage('starting', async () => {
            await runtime.start(containerId!).catch((error: unknown) => {
              if (pinned && error instanceof SlicedeckError && /no suitable node/i.test(error.message)) throw new SlicedeckError('slice_failed', pinnedNodeWords(pinned.name, 'no suitable node'));
              throw error;
            });
            host = await this.placeSlice(accountId, sliceId, containerId!);
            await hold('starting');
          });
          break;
        } catch (error) {
          if (!(error instanceof PortTakenError) || tries + 1 >= MAX_PORT_TAKEN_RETRIES) throw error;
          // Something outside slicedeck grabbed the port between our check and Docker's bind.
          this.log.warn({ accountId, sliceId, port }, 'docker says the port is taken; choosing another');
          excluded.add(port);
          await runtime.remove(containerId!);
          store.setContainer(accountId, sliceId, null);
          containerId = null;
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
            this.rejectWhenExited(containerId!, watching.signal),
          ]);
        } finally {
          watching.abort();
          client.close();
        }
        await hold('waiting_for_health');
        // Aborted while waiting: this attempt must not start following anything.
        signal.throwIfAborted();
        return this.follow(accountId, sliceId, port, token, host);
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
      if (!attempt.cancelled) this.log.warn({ accountId, sliceId, err: error }, 'provisioning failed');
      await this.teardown(accountId, sliceId, attempt.cancelled ? 'idle' : 'error', attempt.cancelled ? null : failure.message, { sweepLabels: true });
      throw failure;
    }
  }

  /** Rejects with words if the container stops running; resolves never otherwise (until `stop`). */
  private async rejectWhenExited(containerId: string, stop: AbortSignal): Promise<never> {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, EXIT_WATCH_INTERVAL_MS));
      if (stop.aborted) return new Promise<never>(() => undefined);
      const state = await this.deps.runtime.inspect(containerId).catch(() => undefined);
      if (state === undefined || state?.running) continue;
      const why = !state ? 'its container disappeared' : `exit code ${state.exitCode ?? 'unknown'}${state.oomKilled ? ', out of memory — raise SLICEDECK_SLICE_MEMORY_MB' : ''}`;
      throw new SlicedeckError('slice_failed', `The slice stopped while starting (${why}). Click Connect to retry; if it keeps happening, check the slice image (npm run slice:image).`);
    }
  }

  private async reservePort(accountId: string, sliceId: string, excluded: Set<number>): Promise<number> {
    const { store, config } = this.deps;
    for (let probe = 0; probe < MAX_PORT_PROBES; probe++) {
      const port = store.reservePort(accountId, sliceId, config.portRange, excluded);
      if (port === null) break;
      if (await isPortBindable(port)) return port;
      // Held by something outside this home (another program, another slicedeck): skip it.
      excluded.add(port);
    }
    throw new SlicedeckError(
      'ports_exhausted',
      `No free port is left in SLICEDECK_PORT_RANGE (currently ${formatRange(config.portRange)}, ${rangeSize(config.portRange)} port${rangeSize(config.portRange) === 1 ? '' : 's'}; ${store.portsInUse()} held by slices). Destroy a slice you no longer need, or set SLICEDECK_PORT_RANGE to a wider range (for example 47100-47499) and restart slicedeck.`,
    );
  }

  // ── destroy, logout, remove ───────────────────────────────────────────────

  /** Removes the container and frees the port; the session volume stays. Back to `setup`. */
  async destroy(accountId: string): Promise<void> {
    this.requireAccount(accountId);
    this.cancelAttempt(accountId, 'Connect was cancelled because the slice was destroyed.');
    await this.lock.run(accountId, () => this.destroyLocked(accountId));
  }

  /**
   * Asks WhatsApp to unlink, destroys the slice, and deletes the session volume —
   * all under the account lock, so a Connect clicked meanwhile waits and then
   * starts clean instead of racing the volume's removal.
   */
  async logout(accountId: string): Promise<void> {
    this.requireAccount(accountId);
    this.cancelAttempt(accountId, 'Connect was cancelled because the account was logged out.');
    await this.lock.run(accountId, async () => {
      const live = this.live.get(accountId);
      if (live) {
        // Stop following first: the slice answers our logout with `needs_qr`, which is
        // ours to act on here, not the phone logging out (followState).
        const row = this.deps.store.getSlice(accountId);
        this.unfollow(accountId, live.sliceId);
        const client = row?.sliceId === live.sliceId && row.port !== null && row.token ? new SliceClient({ host: hostOf(row), port: row.port, token: row.token }) : null;
        try {
          await client?.logout();
        } catch (error) {
          // The slice may be dead already; the session is deleted below either way.
          this.log.info({ accountId, err: error }, 'the slice could not log out; deleting its session anyway');
        } finally {
          client?.close();
        }
      }
      await this.destroyLocked(accountId);
      await this.removeSessionVolume(accountId);
      this.deps.store.setSessionSaved(accountId, false);
      this.deps.store.record({ accountId, sliceId: null, type: 'logout', message: 'Logged out; session data deleted' });
    });
  }

  /**
   * accounts.remove: the slice, its session volume, then the account itself, under
   * the account lock. A Connect in flight is cancelled first; one clicked after
   * waits for the lock and then finds no account.
   */
  async removeAccount(accountId: string): Promise<void> {
    this.requireAccount(accountId);
    this.cancelAttempt(accountId, 'Connect was cancelled because the account was removed.');
    await this.lock.run(accountId, async () => {
      await this.destroyLocked(accountId);
      await this.removeSessionVolume(accountId);
      this.deps.store.removeAccount(accountId);
    });
  }

  private async destroyLocked(accountId: string): Promise<void> {
    const row = this.deps.store.getSlice(accountId);
    if (!row) return;
    if (row.sliceId) await this.teardown(accountId, row.sliceId, 'idle', null);
    else if (row.stage !== 'idle') this.publish(accountId, this.deps.store.clearSlice(accountId, 'idle', null));
  }

  private async removeSessionVolume(accountId: string): Promise<void> {
    try {
      await this.deps.requireDocker();
      await this.deps.runtime.removeVolume(authVolumeName(this.deps.homeId, accountId));
    } catch (error) {
      throw asSlicedeckError(error);
    }
  }

  private cancelAttempt(accountId: string, words: string): void {
    const attempt = this.attempts.get(accountId);
    if (!attempt || attempt.controller.signal.aborted) return;
    attempt.cancelled = true;
    attempt.controller.abort(new SlicedeckError('conflict', words));
  }

  // ── proxies to the slice ─────────────────────────────────────────────────

  /** sim.fault: refused outside simulation mode, like sim.scan; the slice plays the fault. */
  async simFault(accountId: string, kind: SimFaultKind, count?: number): Promise<void> {
    if (this.deps.config.driver !== 'simulated') {
      throw new SlicedeckError('not_simulation', 'Faults can only be played in simulation mode (SLICEDECK_DRIVER=simulated). With a real phone, log out or turn off its network instead.');
    }
    await this.clientFor(accountId).simFault(kind, count);
  }

  async chats(accountId: string): Promise<Chat[]> {
    return this.clientFor(accountId).chats();
  }

  async messages(accountId: string, chatId: string): Promise<ChatMessage[]> {
    return this.clientFor(accountId).messages(chatId);
  }

  async send(accountId: string, chatId: string, text: string): Promise<SendResult> {
    return this.clientFor(accountId).send({ chatId, text });
  }

  async simScan(accountId: string, syncMs?: number): Promise<void> {
    if (this.deps.config.driver !== 'simulated') {
      throw new SlicedeckError('not_simulation', 'Scanning from slicedeck only works in simulation mode (SLICEDECK_DRIVER=simulated). Scan the code with WhatsApp on the phone instead.');
    }
    await this.clientFor(accountId).simScan(syncMs === undefined ? {} : { syncMs });
  }

  /**
   * Asks the runtime where the started slice runs and records it with the row (so a
   * restart of the host reaches it there); returns the address to reach its port on.
   */
  private async placeSlice(accountId: string, sliceId: string, containerId: string): Promise<string> {
    const location: SliceLocation = (await this.deps.runtime.inspect(containerId))?.location ?? LOCAL_LOCATION;
    const row = this.deps.store.setLocation(accountId, sliceId, location);
    // A node worth naming (a swarm's): the audit trail says where each slice ran, and the panel shows it.
    if (row && location.name) {
      this.deps.store.record({ accountId, sliceId, type: 'placed', stage: row.stage, message: `on node ${location.name} (${location.address})` });
      this.publish(accountId, row);
    }
    return location.address;
  }

  private clientFor(accountId: string): SliceClient {
    this.requireAccount(accountId);
    const live = this.live.get(accountId);
    const row = this.deps.store.getSlice(accountId);
    if (!live || !row || row.sliceId !== live.sliceId || isProvisioningStage(row.stage)) {
      throw new SlicedeckError('slice_unavailable', 'This account has no running slice yet. Connect this account first (click “Connect WhatsApp”).');
    }
    return live.client;
  }

  // ── following a slice's events ────────────────────────────────────────────

  /**
   * Starts (or keeps) following the slice's event stream. Only the account's
   * current slice may be followed: the late follow of an attempt that was aborted
   * (its work runs on after the abort) must never replace a newer slice's stream.
   */
  follow(accountId: string, sliceId: string, port: number, token: string, host: string): LiveSlice {
    const existing = this.live.get(accountId);
    if (existing?.sliceId === sliceId) return existing;
    if (this.deps.store.getSlice(accountId)?.sliceId !== sliceId) {
      throw new SlicedeckError('conflict', 'This slice is no longer the account’s current one; a newer Connect replaced it.');
    }
    existing?.client.close();
    const client = new SliceClient({ host, port, token, onViolation: (error) => this.onSliceViolation(accountId, sliceId, error) });
    const live: LiveSlice = { sliceId, client, seenMessageIds: new Set(), subscription: undefined as never };
    live.subscription = client.subscribe((event) => this.onSliceEvent(accountId, sliceId, event), {
      onGiveUp: (error) => this.onStreamLost(accountId, sliceId, error),
    });
    this.live.set(accountId, live);
    return live;
  }

  private unfollow(accountId: string, sliceId?: string): void {
    const live = this.live.get(accountId);
    if (!live || (sliceId && live.sliceId !== sliceId)) return;
    live.client.close();
    this.live.delete(accountId);
  }

  private onSliceEvent(accountId: string, sliceId: string, event: SliceEvent): void {
    try {
      this.handleSliceEvent(accountId, sliceId, event);
    } catch (error) {
      this.log.error({ accountId, sliceId, err: error, event: event.type }, 'handling a slice event failed');
    }
  }

  private handleSliceEvent(accountId: string, sliceId: string, event: SliceEvent): void {
    const { store, bus } = this.deps;
    const row = store.getSlice(accountId);
    // Events of a slice that is no longer the account's current one are history.
    if (!row || row.sliceId !== sliceId || isTerminalStage(row.stage)) return;
    const live = this.live.get(accountId);

    switch (event.type) {
      case 'qr': {
        const qr = event.data;
        // A late subscriber gets old events replayed: skip codes already expired or older than the current stage.
        if (qr.expiresAt <= Date.now() || (row.stageStartedAt !== null && qr.issuedAt < row.stageStartedAt && row.stage !== 'qr' && row.stage !== 'initializing')) return;
        if (row.qr && row.qr.issuedAt === qr.issuedAt && row.qr.index === qr.index && row.stage === 'qr') return;
        store.setQr(accountId, sliceId, qr);
        if (row.stage !== 'qr') this.enterStage(accountId, sliceId, 'qr', null, false);
        else this.publish(accountId, store.getSlice(accountId));
        store.record({ accountId, sliceId, type: 'qr', stage: 'qr', message: `Code ${qr.index} of ${qr.total}` });
        if (store.sessionSaved(accountId)) {
          // A saved session should have restored without a code: WhatsApp refused it (removed on the phone, or expired).
          store.setSessionSaved(accountId, false);
          store.record({ accountId, sliceId, type: 'session.refused', stage: 'qr', message: 'WhatsApp did not accept the saved session; a new code is needed' });
          this.publish(accountId, store.setNote(accountId, sliceId, SESSION_REFUSED_WORDS));
        }
        this.armQrTimer(accountId, sliceId, this.qrDeadline(qr, null));
        return;
      }
      case 'pairing': {
        // A phone scanned and is logging in after the codes ran out: keep the slice until then.
        const { until } = event.data;
        if (row.stage !== 'qr' || until <= Date.now() || row.pairingUntil === until) return;
        const updated = store.setPairing(accountId, sliceId, until);
        if (row.pairingUntil === null) store.record({ accountId, sliceId, type: 'pairing', stage: 'qr', message: 'Code scanned; the phone is logging in' });
        this.publish(accountId, updated);
        if (row.qr) this.armQrTimer(accountId, sliceId, this.qrDeadline(row.qr, until));
        return;
      }
      case 'authenticated': {
        if (row.stage === 'linking' || row.stage === 'ready') return;
        if (row.stage !== 'qr' && store.sessionSaved(accountId)) {
          store.record({ accountId, sliceId, type: 'session.restored', stage: row.stage, message: 'Restored the saved session; no code was needed' });
        }
        // The pairing code is spent; WhatsApp's loading percent (it may have come first) stays.
        const info = this.linkInfo.get(accountId);
        if (info?.sliceId === sliceId && info.loadingPercent !== undefined) this.linkInfo.set(accountId, { sliceId, loadingPercent: info.loadingPercent });
        else this.linkInfo.delete(accountId);
        store.setQr(accountId, sliceId, null);
        this.enterStage(accountId, sliceId, 'linking');
        return;
      }
      case 'contacts': {
        if (row.contacts === event.data.count) return;
        const updated = store.setContacts(accountId, sliceId, event.data.count);
        if (event.data.done) store.record({ accountId, sliceId, type: 'contacts', stage: row.stage, message: `Found ${event.data.count} contacts` });
        this.publish(accountId, updated);
        return;
      }
      case 'ready':
        if (row.stage === 'ready') return;
        // The session is on the account's volume now: the next slice restores it without a code.
        store.setSessionSaved(accountId, true);
        // On a swarm the session volume is on the node the slice ran on: pin the account there.
        if (this.deps.config.runtime === 'swarm' && row.node) store.setSessionNode(accountId, { node: row.node, name: row.nodeName ?? row.node.slice(0, 12) });
        this.linkInfo.delete(accountId);
        store.setQr(accountId, sliceId, null);
        this.enterStage(accountId, sliceId, 'ready');
        return;
      case 'error':
        // The slice's words (e.g. the restart ladder gave up) already say what happened.
        store.record({ accountId, sliceId, type: 'slice.error', stage: row.stage, message: event.data.message });
        this.failSlice(accountId, sliceId, new SlicedeckError('slice_failed', sliceErrorWords(event.data.message)));
        return;
      case 'disconnected':
        store.record({ accountId, sliceId, type: 'disconnected', stage: row.stage, message: event.data.reason });
        return;
      case 'state':
        this.followState(accountId, sliceId, row, event.data.state, event.data.reason);
        return;
      case 'message': {
        const message = event.data.message;
        if (live) {
          if (live.seenMessageIds.has(message.id)) return;
          live.seenMessageIds.add(message.id);
          if (live.seenMessageIds.size > 5_000) live.seenMessageIds.delete(live.seenMessageIds.values().next().value!);
        }
        bus.emit('chat.message', { accountId, message });
        return;
      }
      case 'message.status':
        // The slice's own queue settled a message the host handed it while its link was down.
        this.deps.outgoing?.sliceQueued(accountId, sliceId, event.data.queueId, event.data.messageId, event.data.error);
        return;
      case 'message.ack':
        this.deps.outgoing?.ack(accountId, event.data.messageId, event.data.ack);
        return;
      case 'code': {
        if (row.stage !== 'qr' || event.data.expiresAt <= Date.now()) return;
        const { code, expiresAt } = event.data;
        this.linkInfo.set(accountId, { sliceId, pairingCode: { code, expiresAt } });
        // Never the code itself in History: it is a credential while it lives.
        store.record({ accountId, sliceId, type: 'pairing_code', stage: 'qr', message: 'Pairing code issued' });
        this.armQrTimer(accountId, sliceId, expiresAt + QR_ROTATION_GRACE_MS + QR_DECISION_MARGIN_MS);
        this.publish(accountId, store.getSlice(accountId));
        return;
      }
      case 'loading': {
        // Offline progress may come before `authenticated` (a restored session) or after it.
        if (row.stage !== 'linking' && row.stage !== 'initializing') return;
        const info = this.linkInfo.get(accountId);
        this.linkInfo.set(accountId, { ...(info?.sliceId === sliceId ? info : {}), sliceId, loadingPercent: event.data.percent });
        this.publish(accountId, row);
        return;
      }
    }
  }

  /**
   * After `authenticated` the panel follows the slice's state (PRODUCT §1 step 6):
   * a dropped link that WhatsApp is bringing back is a note beside Ready, cleared when
   * it is back; `needs_qr` (logged out or unlinked on the phone, the session refused)
   * takes the account out of Ready. Before that, the code paths own the stage; an
   * `error` state always comes with the slice's `error` event, which ends the slice.
   */
  private followState(accountId: string, sliceId: string, row: SliceRow, state: InstanceState, reason: string | undefined): void {
    if (row.stage !== 'ready' && row.stage !== 'linking') return;
    const { store } = this.deps;
    switch (state) {
      case 'ready':
        if (row.stage === 'ready' && row.error) {
          store.record({ accountId, sliceId, type: 'reconnected', stage: row.stage, message: 'WhatsApp is linked again' });
          this.publish(accountId, store.setNote(accountId, sliceId, null));
        }
        return;
      case 'disconnected':
      case 'connecting': {
        // A drop comes with its reason (History has it from the `disconnected` event). A
        // reasonless state is a replay or a (re)start: while linking the slice is
        // `connecting` anyway, so only beside Ready is it news.
        const dropped = state === 'disconnected' && reason !== undefined;
        if (!dropped && row.stage !== 'ready') return;
        const note = dropped
          ? `WhatsApp lost the link to the phone (${reason}) and is reconnecting by itself. Messages sent now are queued.`
          : (row.error ?? 'WhatsApp is reconnecting by itself. Messages sent now are queued.');
        if (row.error === note) return;
        this.publish(accountId, store.setNote(accountId, sliceId, note));
        return;
      }
      case 'needs_qr':
        void this.lock
          .run(accountId, () => this.leaveLinked(accountId, sliceId, reason))
          .catch((err: unknown) => this.log.error({ accountId, err }, 'taking a logged-out account out of Ready failed'));
        return;
      case 'error':
        return;
    }
  }

  /**
   * WhatsApp no longer accepts this device: the slice's session is gone, so the slice
   * (an idle container now) and its session volume go too, and the account is back at
   * Connect with words saying why. Runs under the account lock.
   */
  private async leaveLinked(accountId: string, sliceId: string, reason: string | undefined): Promise<void> {
    const row = this.deps.store.getSlice(accountId);
    if (!row || row.sliceId !== sliceId || (row.stage !== 'ready' && row.stage !== 'linking')) return;
    this.log.info({ accountId, sliceId, reason }, 'WhatsApp logged the account out; destroying its slice');
    this.deps.store.record({ accountId, sliceId, type: 'logged_out', stage: row.stage, message: reason ?? 'The slice needs a new QR code: the session is no longer valid' });
    this.deps.store.setSessionSaved(accountId, false);
    await this.teardown(accountId, sliceId, 'idle', LOGGED_OUT_WORDS);
    try {
      await this.removeSessionVolume(accountId);
    } catch (err) {
      // The next Connect shows codes either way; a stale volume is removed with the account.
      this.log.warn({ accountId, err }, 'could not delete the session volume of a logged-out account');
    }
  }

  /** The event stream stopped and would not come back: find out whether the slice died. */
  private onStreamLost(accountId: string, sliceId: string, error: Error): void {
    if (this.closed) return;
    // A broken protocol was already reported (onSliceViolation), which started the ladder.
    if (error instanceof SliceProtocolError) return;
    this.log.info({ accountId, sliceId, err: error }, 'lost the slice event stream; checking the slice');
    // The subscription is dead: forget it so a later healthy check follows the slice afresh.
    this.unfollow(accountId, sliceId);
    void this.checkSlice(accountId, sliceId).catch((err: unknown) => this.log.warn({ accountId, err }, 'checking a lost slice failed'));
  }

  /**
   * The slice broke the protocol (an endless or oversized event or answer, or one
   * of the wrong shape): its stream is already dropped. A History row says so;
   * then a provisioning slice fails with words, and a running one goes down the
   * health ladder as a sick slice (restart within the budget, else `error`).
   */
  private onSliceViolation(accountId: string, sliceId: string, error: SliceProtocolError): void {
    if (this.closed) return;
    const row = this.deps.store.getSlice(accountId);
    if (!row || row.sliceId !== sliceId) return;
    this.log.warn({ accountId, sliceId, err: error }, 'the slice broke the protocol');
    this.deps.store.record({ accountId, sliceId, type: 'slice.protocol', stage: row.stage, message: `The slice broke the protocol: ${error.message}` });
    this.unfollow(accountId, sliceId);
    if (this.attempts.get(accountId)?.sliceId === sliceId || isProvisioningStage(row.stage)) {
      this.failSlice(accountId, sliceId, new SlicedeckError('slice_failed', `The slice broke the protocol (${error.message}) and was stopped. Click Connect to start a fresh one.`));
      return;
    }
    this.misbehaved.set(accountId, { sliceId, why: `it broke the protocol: ${error.message}` });
    void this.checkSlice(accountId, sliceId).catch((err: unknown) => this.log.warn({ accountId, err }, 'checking a misbehaving slice failed'));
  }

  /**
   * Health check of one running slice (health monitor, lost event stream):
   * healthy → make sure we follow it; dead or silent → reported at once, then
   * restarted within the budget (`maxSliceRestarts` per `restartWindowMs`), else `error`.
   */
  checkSlice(accountId: string, sliceId: string): Promise<void> {
    return this.lock.run(accountId, async () => {
      if (this.closed || this.attempts.has(accountId)) return;
      const row = this.deps.store.getSlice(accountId);
      if (!row || row.sliceId !== sliceId || isTerminalStage(row.stage) || isProvisioningStage(row.stage)) return;
      let state = row.containerId ? await this.deps.runtime.inspect(row.containerId) : null;
      const breach = this.misbehaved.get(accountId);
      this.misbehaved.delete(accountId);
      const broke = breach?.sliceId === sliceId ? breach.why : null;
      if (!broke && state?.running && (await this.isHealthy(row))) {
        if (!this.isFollowing(accountId, sliceId)) this.follow(accountId, sliceId, row.port!, row.token!, hostOf(row));
        return;
      }
      this.unfollow(accountId, sliceId);
      // A probe fails first when the slice is exiting right now: look again (briefly, bounded),
      // so the words name the exit code rather than a missed health check.
      for (let look = 0; !broke && look < SETTLE_LOOKS && state?.running && state.status !== 'paused' && row.containerId; look++) {
        await delay(SETTLE_LOOK_MS);
        state = await this.deps.runtime.inspect(row.containerId);
      }
      const why = !state
        ? 'its container is gone'
        : !state.running
          ? `it stopped (exit code ${state.exitCode ?? 'unknown'}${state.oomKilled ? ', out of memory' : ''})`
          : broke
            ? broke
            : state.status === 'paused'
              ? `it is paused in Docker and did not answer its health check within ${HEALTH_PROBE_TIMEOUT_MS / 1000} s`
              : `it did not answer its health check within ${HEALTH_PROBE_TIMEOUT_MS / 1000} s`;
      if (!state || !this.takeRestartBudget(accountId)) {
        const words = !state
          ? `The slice is gone (${why}). Click Connect to start it again.`
          : `The slice kept failing (${why}; ${this.deps.config.maxSliceRestarts} restart${this.deps.config.maxSliceRestarts === 1 ? '' : 's'} already tried). Click Connect to start a fresh one.`;
        this.deps.store.record({ accountId, sliceId, type: 'slice.dead', stage: row.stage, message: why });
        await this.teardown(accountId, sliceId, 'error', words);
        return;
      }
      await this.restartSlice(row, why);
    });
  }

  private readonly restartTimes = new Map<string, number[]>();

  private takeRestartBudget(accountId: string): boolean {
    const { maxSliceRestarts, restartWindowMs } = this.deps.config;
    const now = Date.now();
    const recent = (this.restartTimes.get(accountId) ?? []).filter((at) => now - at < restartWindowMs);
    if (recent.length >= maxSliceRestarts) return false;
    recent.push(now);
    this.restartTimes.set(accountId, recent);
    return true;
  }

  private async restartSlice(row: SliceRow, why: string): Promise<void> {
    const { store, runtime, config } = this.deps;
    const accountId = row.accountId;
    const sliceId = row.sliceId!;
    const restarts = row.restarts + 1;
    const note = `The slice stopped unexpectedly (${why}); restarting it (${restarts})…`;
    store.setRestarts(accountId, sliceId, restarts);
    // Reported at once, before the (slower) restart.
    this.publish(accountId, store.setNote(accountId, sliceId, note));
    store.record({ accountId, sliceId, type: 'restart', stage: row.stage, message: note });
    this.log.warn({ accountId, sliceId, why, restarts }, 'restarting a dead slice');
    try {
      // A linked account's slice restarts on the swarm node holding its session volume; others go where the swarm puts them.
      const session = config.runtime === 'swarm' ? store.sessionNode(accountId) : null;
      await runtime.restart(row.containerId!, session ? { node: session.node } : {});
      // A swarm may put the restarted task on another node: ask where it is now.
      const host = await this.placeSlice(accountId, sliceId, row.containerId!);
      const probe = new SliceClient({ host, port: row.port!, token: row.token! });
      try {
        await probe.waitForHealth({ timeoutMs: config.stageTimeoutsMs.waiting_for_health });
      } finally {
        probe.close();
      }
      const live = this.follow(accountId, sliceId, row.port!, row.token!, host);
      await live.subscription.opened;
      await live.client.initialize();
      this.publish(accountId, store.setNote(accountId, sliceId, null));
    } catch (error) {
      // A pinned slice (its session on a node that now takes no tasks) is not moved away from its volume: say so.
      const pinned = config.runtime === 'swarm' ? store.sessionNode(accountId) : null;
      if (pinned && /no suitable node/i.test((error as Error).message)) {
        await this.teardown(accountId, sliceId, 'error', `The slice stopped and could not be restarted. ${pinnedNodeWords(pinned.name, 'no suitable node')}`);
        return;
      }
      await this.teardown(accountId, sliceId, 'error', `The slice could not be restarted (${(error as Error).message}). Click Connect to retry.`);
    }
  }

  /**
   * One health pass over every slice the host should be running, all at once: each
   * probe is bounded (HEALTH_PROBE_TIMEOUT_MS), so a hung slice is found within one
   * interval plus that bound however many slices there are, and delays no other.
   */
  async checkAll(): Promise<void> {
    await Promise.all(
      this.deps.store
        .listSlices()
        .filter((row) => row.sliceId && !isTerminalStage(row.stage) && !isProvisioningStage(row.stage))
        .map((row) => this.checkSlice(row.accountId, row.sliceId!).catch((err: unknown) => this.log.warn({ accountId: row.accountId, err }, 'health check failed'))),
    );
  }

  // ── stages, timers, teardown ──────────────────────────────────────────────

  /** Persists (and audits) the stage, emits the view, re-arms the stage's safety timer. */
  private enterStage(accountId: string, sliceId: string, stage: Stage, error: string | null = null, arm = true): void {
    const row = this.deps.store.setStage(accountId, sliceId, stage, error);
    if (!row) throw new SlicedeckError('conflict', 'This connect attempt was replaced by a newer one.');
    this.publish(accountId, row);
    if (arm) this.afterStageChange(accountId, sliceId, stage);
  }

  private afterStageChange(accountId: string, sliceId: string, stage: Stage): void {
    this.clearStageTimer(accountId);
    const timeout = isProvisioningStage(stage) ? this.deps.config.stageTimeoutsMs[stage] : stage === 'linking' ? this.deps.config.linkingTimeoutMs : 0;
    if (!timeout) return;
    this.setStageTimer(accountId, timeout, () => {
      const row = this.deps.store.getSlice(accountId);
      if (!row || row.sliceId !== sliceId || row.stage !== stage) return;
      const words = `The slice took longer than ${Math.round(timeout / 1000)} s at “${stage.replace(/_/g, ' ')}” and was stopped. Check that Docker has enough memory and CPU free, then click Connect to retry.`;
      this.log.warn({ accountId, sliceId, stage, timeout }, 'stage safety timeout');
      this.failSlice(accountId, sliceId, new SlicedeckError('timeout', words));
    });
  }

  /**
   * When the host gives up on the codes: the shown code's own expiry, plus the
   * lifetimes of the codes still to come (every code after the first lives
   * `qrTtlMs`), plus margins for the slice to rotate and to decide. While a phone
   * is logging in (`pairingUntil`), shortly after that instead.
   */
  private qrDeadline(qr: QrInfo, pairingUntil: number | null): number {
    if (pairingUntil !== null) return pairingUntil + QR_DECISION_MARGIN_MS;
    const remaining = Math.max(0, qr.total - qr.index);
    let later = 0;
    for (let index = qr.index + 1; index <= qr.total; index++) later += index === 1 ? this.deps.config.qrFirstTtlMs : this.deps.config.qrTtlMs;
    return qr.expiresAt + later + (remaining > 0 ? QR_ROTATION_GRACE_MS : 0) + QR_DECISION_MARGIN_MS;
  }

  /**
   * The host's own QR clock (authoritative, needs no window): when the codes are
   * over unscanned (or a phone that scanned never finished logging in) the slice
   * is destroyed. The slice normally says so first; this is the backstop.
   */
  private armQrTimer(accountId: string, sliceId: string, fireAt: number): void {
    this.clearStageTimer(accountId);
    this.setStageTimer(accountId, Math.max(0, fireAt - Date.now()), () => {
      void this.lock
        .run(accountId, async () => {
          const row = this.deps.store.getSlice(accountId);
          if (!row || row.sliceId !== sliceId || row.stage !== 'qr') return;
          const pairing = row.pairingUntil !== null;
          this.log.info({ accountId, sliceId, pairing }, pairing ? 'the phone that scanned did not finish logging in; destroying the slice' : 'the last QR code expired unscanned; destroying the slice');
          await this.teardown(
            accountId,
            sliceId,
            'qr_timeout',
            pairing ? 'The phone scanned the code but did not finish logging in in time. Keep the phone online with WhatsApp open, then click Try again.' : null,
          );
        })
        .catch((err: unknown) => this.log.error({ accountId, err }, 'QR expiry teardown failed'));
    });
  }

  private setStageTimer(accountId: string, ms: number, fire: () => void): void {
    const timer = setTimeout(() => {
      if (this.stageTimers.get(accountId) === timer) this.stageTimers.delete(accountId);
      fire();
    }, ms);
    this.stageTimers.set(accountId, timer);
  }

  private clearStageTimer(accountId: string): void {
    const timer = this.stageTimers.get(accountId);
    if (timer) clearTimeout(timer);
    this.stageTimers.delete(accountId);
  }

  /** A slice failed: abort its provisioning if one is running, else tear it down into `error`. */
  failSlice(accountId: string, sliceId: string, error: SlicedeckError): void {
    const attempt = this.attempts.get(accountId);
    if (attempt?.sliceId === sliceId && !attempt.controller.signal.aborted) {
      attempt.controller.abort(error);
      return;
    }
    void this.lock
      .run(accountId, () => this.teardown(accountId, sliceId, 'error', error.message))
      .catch((err: unknown) => this.log.error({ accountId, err }, 'teardown after a failure failed'));
  }

  /**
   * Removes the slice's container (force) and clears the row: port, token and
   * container freed, `finalStage` recorded and emitted. The volume is kept.
   * Idempotent and guarded by `sliceId`, so a late timer never clears a newer slice.
   */
  async teardown(accountId: string, sliceId: string, finalStage: Stage, error: string | null, opts: { sweepLabels?: boolean } = {}): Promise<void> {
    const { store, runtime } = this.deps;
    this.unfollow(accountId, sliceId);
    const row = store.getSlice(accountId);
    if (!row || row.sliceId !== sliceId) return;
    this.clearStageTimer(accountId);
    try {
      if (row.containerId) await runtime.remove(row.containerId);
      if (opts.sweepLabels) {
        // A container Docker created but whose id we never learned (aborted mid-create).
        for (const container of await runtime.listManaged(this.deps.homeId)) {
          if (container.sliceId === sliceId) await runtime.remove(container.id);
        }
      }
    } catch (err) {
      // The reconciler removes it later (its slice id no longer matches any row); the port is re-checked before reuse.
      this.log.warn({ accountId, sliceId, err }, 'could not remove the slice container now; the reconciler will');
    }
    this.publish(accountId, store.clearSlice(accountId, finalStage, error, sliceId));
  }

  private publish(accountId: string, row: SliceRow | undefined): void {
    if (!row) return;
    this.deps.bus.emit('slice', projectView(accountId, row, this.extrasOf(accountId, row)));
  }

  /** The queue changed (a message accepted, sent or cancelled): the view's count follows. */
  publishView(accountId: string): void {
    this.publish(accountId, this.deps.store.getSlice(accountId));
  }

  // ── health ────────────────────────────────────────────────────────────────

  async isHealthy(row: SliceRow): Promise<boolean> {
    if (!row.containerId || row.port === null) return false;
    const state = await this.deps.runtime.inspect(row.containerId);
    if (!state?.running) return false;
    const probe = new SliceClient({ host: hostOf(row), port: row.port, token: row.token ?? '' });
    try {
      return (await probe.health()) !== null;
    } finally {
      probe.close();
    }
  }

  /** Re-follows a slice found running at start-up, and re-arms its timers from the persisted truth. */
  adopt(row: SliceRow): void {
    if (!row.sliceId || row.port === null || !row.token) return;
    this.follow(row.accountId, row.sliceId, row.port, row.token, hostOf(row));
    if (row.stage === 'qr' && row.qr) this.armQrTimer(row.accountId, row.sliceId, this.qrDeadline(row.qr, row.pairingUntil));
    else this.afterStageChange(row.accountId, row.sliceId, row.stage);
    this.deps.store.record({ accountId: row.accountId, sliceId: row.sliceId, type: 'adopted', stage: row.stage, message: 'Found running at start-up; following it again' });
  }

  /**
   * A provisioning that a dead host left with a healthy, running container is
   * finished instead of thrown away: follow it and forward initialize.
   * Call under the account lock. Returns false when it could not be resumed.
   */
  async resumeProvisioning(row: SliceRow): Promise<boolean> {
    if (!row.sliceId || row.port === null || !row.token || !(await this.isHealthy(row))) return false;
    try {
      this.enterStage(row.accountId, row.sliceId, 'initializing');
      const live = this.follow(row.accountId, row.sliceId, row.port, row.token, hostOf(row));
      await live.subscription.opened;
      await live.client.initialize();
      this.deps.store.record({ accountId: row.accountId, sliceId: row.sliceId, type: 'adopted', stage: 'initializing', message: 'A provisioning interrupted by a restart of slicedeck was resumed' });
      return true;
    } catch (error) {
      this.log.warn({ accountId: row.accountId, err: error }, 'could not resume an interrupted provisioning');
      return false;
    }
  }

  /** Serialises reconciler work with connect/destroy for the same account. */
  withAccountLock<T>(accountId: string, work: () => Promise<T>): Promise<T> {
    return this.lock.run(accountId, work);
  }

  // ── lifecycle ─────────────────────────────────────────────────────────────

  async close(opts: { destroySlices?: boolean } = {}): Promise<void> {
    this.closed = true;
    for (const accountId of this.attempts.keys()) this.cancelAttempt(accountId, 'slicedeck is shutting down.');
    await Promise.allSettled([...this.attempts.values()].map((attempt) => attempt.done));
    if (opts.destroySlices) {
      for (const row of this.deps.store.listSlices()) {
        if (row.sliceId) await this.lock.run(row.accountId, () => this.teardown(row.accountId, row.sliceId!, 'idle', null)).catch(() => undefined);
      }
    }
    await this.lock.idle();
    for (const timer of this.stageTimers.values()) clearTimeout(timer);
    this.stageTimers.clear();
    for (const accountId of [...this.live.keys()]) this.unfollow(accountId);
  }

  private requireAccount(accountId: string): void {
    if (!this.deps.store.getAccount(accountId)) {
      throw new SlicedeckError('not_found', 'There is no such account (it may have been removed). Refresh the account list.');
    }
  }
}

/** The slice's error words, with what to do added unless they already say it. */
function sliceErrorWords(message: string): string {
  const words = message.trim().replace(/\.*$/, '.');
  return /click connect/i.test(words) ? words : `WhatsApp Web failed in the slice: ${words} Click Connect to retry.`;
}

function asSlicedeckError(error: unknown): SlicedeckError {
  if (isSlicedeckError(error)) return error;
  if (error instanceof PortTakenError) {
    return new SlicedeckError('ports_exhausted', `Docker kept finding the chosen ports taken (last: ${error.port}). Free ports in SLICEDECK_PORT_RANGE or choose another range, then click Connect again.`);
  }
  return new SlicedeckError('slice_failed', `Starting the slice failed: ${(error as Error)?.message ?? String(error)}. Click Connect to retry.`);
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

/** The address of a slice's published port: where the runtime placed it, 127.0.0.1 for rows from before that was recorded. */
function hostOf(row: SliceRow): string {
  return row.address ?? LOCAL_LOCATION.address;
}
