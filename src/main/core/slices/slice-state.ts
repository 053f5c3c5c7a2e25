/**
 * What the steps of the connect flow (provisioner, follower, supervisor, teardown,
 * stage clock) share beyond one account: the service's deps and the context they
 * work in (`SliceContext`); and `SliceHandle`, one slice of one account, so a step
 * names the pair once instead of threading both ids through every call. What the
 * host keeps about one account in memory is its owner's alone (account.ts).
 */
import type { Logger } from 'pino';
import { SlicedeckError } from '@shared/errors';
import type { ProvisioningStage, Stage } from '@shared/stages';
import type { SliceView } from '@shared/types';
import type { CoreConfig } from '../config';
import type { SliceRow, Store } from '../db/store';
import type { EventBus } from '../events';
import type { SliceRuntime } from '../docker/runtime';
import type { Accounts, Account } from './account';
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
  /** The accounts' owners (account.ts), when the caller shares them (core/index.ts's outgoing queue asks them which slice is Ready); a set of its own otherwise. */
  accounts?: Accounts;
  /** Test seam, absent in the product: see `StageHook`. */
  stageHook?: StageHook;
  /** The outgoing queue (outbox/): what the slice says about messages we sent, and how many wait. */
  outgoing?: OutgoingHooks;
  /** Unread messages per account (unread/unread-book.ts); absent: the views carry no count. */
  unread?: (accountId: string) => number;
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

/**
 * What every step of the flow shares that is not one account's: the service's deps,
 * the owners of the accounts (account.ts: each account's state is reached only through
 * its owner), views, and whether the service is closing.
 */
export class SliceContext {
  /** Set by close(): no new connect, and a lost stream is no longer news. */
  closed = false;

  constructor(
    readonly deps: SliceServiceDeps,
    private readonly accounts: Accounts,
  ) {}

  get log(): Logger {
    return this.deps.logger;
  }

  get store(): Store {
    return this.deps.store;
  }

  /** The owner of the account's state (made on first use). */
  account(accountId: string): Account {
    return this.accounts.of(accountId);
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
    const sliceId = row?.sliceId;
    const mine = sliceId ? this.account(accountId).step((held) => held.linkOf(sliceId)) : undefined;
    return {
      sessionSaved: this.deps.store.sessionSaved(accountId),
      ...(mine?.pairingCode ? { pairingCode: mine.pairingCode } : {}),
      ...(mine?.loadingPercent !== undefined ? { loadingPercent: mine.loadingPercent } : {}),
      ...(mine?.waitingFor ? { waitingFor: mine.waitingFor } : {}),
      queued: this.deps.outgoing?.queued(accountId) ?? 0,
      unread: this.deps.unread?.(accountId) ?? 0,
    };
  }
}

/**
 * One slice of one account. Every write through it is guarded by the slice id in
 * the store, so a late step of an older slice never changes a newer one.
 */
export class SliceHandle {
  constructor(
    private readonly state: SliceContext,
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
