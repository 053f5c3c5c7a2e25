/**
 * What the steps of the connect flow (provisioner, follower, supervisor, teardown)
 * share about each account: its connect in flight, the slice the host follows, the
 * ephemeral link facts, its one stage timer and its lock. One registry, so no step
 * keeps a private copy of another's state; and `SliceHandle`, one slice of one
 * account, so a step names the pair once instead of threading both ids through
 * every call.
 */
import type { Logger } from 'pino';
import { SlicedeckError } from '@shared/errors';
import type { ProvisioningStage, Stage } from '@shared/stages';
import type { LinkWaitStep, SliceView } from '@shared/types';
import type { ConnectResult } from '@shared/contract';
import type { CoreConfig } from '../config';
import type { SliceRow, Store } from '../db/store';
import type { EventBus } from '../events';
import type { SliceRuntime } from '../docker/runtime';
import type { RateBudget } from '../slice-budget';
import type { SliceClient, SliceSubscription } from '../slice-client';
import { KeyedLock } from './keyed-lock';
import { projectView, type ViewExtras } from './view';

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
export interface Attempt {
  sliceId: string;
  controller: AbortController;
  /** Set when Destroy/Log out/close superseded the attempt: it ends in `idle`, not `error`. */
  cancelled: boolean;
  done: Promise<ConnectResult>;
}

/** A slice the host is following: its client and event stream. */
export interface LiveSlice {
  sliceId: string;
  client: SliceClient;
  subscription: SliceSubscription;
  seenMessageIds: Set<string>;
  /** What the slice's events may make the host write (History rows, notes) a second: slice-budget.ts. */
  writeBudget: RateBudget;
}

/** Ephemeral per-slice facts the slice replays on reconnect: a pairing code on offer, the loading percent. */
export interface LinkInfo {
  sliceId: string;
  pairingCode?: { code: string; expiresAt: number };
  loadingPercent?: number;
  /** What the slice last said it waits for while starting or linking. */
  waitingFor?: LinkWaitStep;
}

export class SliceState {
  readonly attempts = new Map<string, Attempt>();
  readonly live = new Map<string, LiveSlice>();
  readonly linkInfo = new Map<string, LinkInfo>();
  /** Connect, destroy, logout, timers, health checks and the reconciler: one at a time per account. */
  readonly lock = new KeyedLock();
  /** The one safety/QR timer per account, re-armed on every stage change (stage-clock.ts). */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Set by close(): no new connect, and a lost stream is no longer news. */
  closed = false;

  constructor(readonly deps: SliceServiceDeps) {}

  get log(): Logger {
    return this.deps.logger;
  }

  get store(): Store {
    return this.deps.store;
  }

  /** A handle on one slice of one account. */
  slice(accountId: string, sliceId: string): SliceHandle {
    return new SliceHandle(this, accountId, sliceId);
  }

  requireAccount(accountId: string): void {
    if (!this.deps.store.getAccount(accountId)) {
      throw new SlicedeckError('not_found', 'There is no such account (it may have been removed). Refresh the account list.');
    }
  }

  // ── views ─────────────────────────────────────────────────────────────────

  viewOf(accountId: string, row: SliceRow | undefined): SliceView {
    return projectView(accountId, row, this.extrasOf(accountId, row));
  }

  /** Emits the view of `row` (nothing when a guarded store write changed no row). */
  publish(accountId: string, row: SliceRow | undefined): void {
    if (!row) return;
    this.deps.bus.emit('slice', this.viewOf(accountId, row));
  }

  /** What the view shows beyond the row: a saved session being restored, a pairing code, WhatsApp's loading percent, the queue. */
  private extrasOf(accountId: string, row: SliceRow | undefined): ViewExtras {
    const info = row?.sliceId ? this.linkInfo.get(accountId) : undefined;
    const mine = info && info.sliceId === row?.sliceId ? info : undefined;
    return {
      sessionSaved: this.deps.store.sessionSaved(accountId),
      ...(mine?.pairingCode ? { pairingCode: mine.pairingCode } : {}),
      ...(mine?.loadingPercent !== undefined ? { loadingPercent: mine.loadingPercent } : {}),
      ...(mine?.waitingFor ? { waitingFor: mine.waitingFor } : {}),
      queued: this.deps.outgoing?.queued(accountId) ?? 0,
    };
  }

  // ── the followed slice ────────────────────────────────────────────────────

  isFollowing(accountId: string, sliceId: string): boolean {
    return this.live.get(accountId)?.sliceId === sliceId;
  }

  /** Stops following the account's slice (only that one, when `sliceId` is given) and closes its client. */
  unfollow(accountId: string, sliceId?: string): void {
    const live = this.live.get(accountId);
    if (!live || (sliceId && live.sliceId !== sliceId)) return;
    live.client.close();
    this.live.delete(accountId);
  }

  // ── the one timer per account ─────────────────────────────────────────────

  setTimer(accountId: string, ms: number, fire: () => void): void {
    const timer = setTimeout(() => {
      if (this.timers.get(accountId) === timer) this.timers.delete(accountId);
      fire();
    }, ms);
    this.timers.set(accountId, timer);
  }

  clearTimer(accountId: string): void {
    const timer = this.timers.get(accountId);
    if (timer) clearTimeout(timer);
    this.timers.delete(accountId);
  }

  clearAllTimers(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

/**
 * One slice of one account. Every write through it is guarded by the slice id in
 * the store, so a late step of an older slice never changes a newer one.
 */
export class SliceHandle {
  constructor(
    private readonly state: SliceState,
    readonly accountId: string,
    readonly sliceId: string,
  ) {}

  /** The account's row while this is still its current slice; undefined once replaced or cleared. */
  current(): SliceRow | undefined {
    const row = this.state.store.getSlice(this.accountId);
    return row?.sliceId === this.sliceId ? row : undefined;
  }

  /** One History row about this slice. */
  record(type: string, stage: Stage | null, message: string): void {
    this.state.store.record({ accountId: this.accountId, sliceId: this.sliceId, type, stage, message });
  }

  publish(row: SliceRow | undefined): void {
    this.state.publish(this.accountId, row);
  }

  /** Sets (or clears, with null) the words beside the stage, and shows them. */
  note(words: string | null): void {
    this.publish(this.state.store.setNote(this.accountId, this.sliceId, words));
  }

  /** What logs carry about it. */
  get ids(): { accountId: string; sliceId: string } {
    return { accountId: this.accountId, sliceId: this.sliceId };
  }
}
