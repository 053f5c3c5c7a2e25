/**
 * One account, one owner. An `Account` alone holds what the host keeps in memory
 * about that account — its lock, its one stage/QR timer, its connect in flight, the
 * slice it follows, the link facts that slice replays (pairing code, loading percent,
 * what it waits for) and its restart budget — and hands it out only two ways:
 *
 * - `run(work)`: exclusive. Runs wait for each other, in arrival order (connect,
 *   destroy, logout, remove, a health check, a timer's teardown, the reconciler).
 *   `work` gets an `Owned`: the steps that need the account to themselves (teardown,
 *   provisioning, a restart) take an `Owned`, so they can only be called from a run.
 * - `step(work)`: one synchronous step (a slice event, a timer firing, a query). It
 *   cannot await, so nothing interleaves with it; it gets a `Held`.
 *
 * Both are revoked when their work ends: a handler that keeps one to use later (after
 * its run, from a callback) gets an error instead of racing the next owner. A run is
 * exclusive against other runs, not against steps (a slice's events keep flowing while
 * a connect waits for its slice): after an await, a run re-reads the row, which every
 * store write guards by slice id.
 */
import type { ConnectResult } from '@shared/contract';
import type { LinkWaitStep } from '@shared/types';
import type { RateBudget } from '../slice-budget';
import type { SliceClient, SliceSubscription } from '../slice-client';

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
export interface LinkFacts {
  sliceId: string;
  pairingCode?: { code: string; expiresAt: number };
  loadingPercent?: number;
  /** What the slice last said it waits for while starting or linking. */
  waitingFor?: LinkWaitStep;
}

/** What the owner keeps; reachable only through a live `Held`/`Owned`. */
interface AccountState {
  attempt: Attempt | null;
  live: LiveSlice | null;
  link: LinkFacts | null;
  timer: NodeJS.Timeout | null;
  /** When the slice was last restarted, within the restart window (the budget). */
  restarts: number[];
  /** The slice broke the protocol since its last health check: sick, however well /health answers. */
  sick: { sliceId: string; why: string } | null;
}

/** Thrown by a `Held`/`Owned` used after its step or run ended. */
export class RevokedHoldError extends Error {
  constructor(accountId: string) {
    super(`the hold on account ${accountId} ended with its step or run; enter through the account again (run or step)`);
  }
}

interface Box {
  state: AccountState | null;
}

/** The account's state for the length of one step (or one run: see `Owned`). */
export class Held {
  readonly #box: Box;

  constructor(
    readonly account: Account,
    box: Box,
  ) {
    this.#box = box;
  }

  get id(): string {
    return this.account.id;
  }

  private get state(): AccountState {
    const state = this.#box.state;
    if (!state) throw new RevokedHoldError(this.account.id);
    return state;
  }

  // ── the connect in flight ─────────────────────────────────────────────────

  get attempt(): Attempt | null {
    return this.state.attempt;
  }

  startAttempt(attempt: Attempt): void {
    this.state.attempt = attempt;
  }

  /** Forgets `attempt` if it is still the one in flight. */
  endAttempt(attempt: Attempt): void {
    if (this.state.attempt === attempt) this.state.attempt = null;
  }

  // ── the followed slice ────────────────────────────────────────────────────

  get live(): LiveSlice | null {
    return this.state.live;
  }

  isFollowing(sliceId: string): boolean {
    return this.state.live?.sliceId === sliceId;
  }

  /** Follows `live` instead of what was followed (whose client is closed). */
  setLive(live: LiveSlice): void {
    const previous = this.state.live;
    if (previous && previous !== live) previous.client.close();
    this.state.live = live;
  }

  /** Stops following the account's slice (only that one, when `sliceId` is given) and closes its client. */
  unfollow(sliceId?: string): void {
    const live = this.state.live;
    if (!live || (sliceId && live.sliceId !== sliceId)) return;
    live.client.close();
    this.state.live = null;
  }

  // ── link facts ────────────────────────────────────────────────────────────

  /** The link facts of `sliceId`; undefined when none, or when they are another slice's. */
  linkOf(sliceId: string): LinkFacts | undefined {
    const link = this.state.link;
    return link?.sliceId === sliceId ? link : undefined;
  }

  setLink(facts: LinkFacts): void {
    this.state.link = facts;
  }

  clearLink(): void {
    this.state.link = null;
  }

  // ── the one timer ─────────────────────────────────────────────────────────

  /** Arms the account's one timer (replacing any); when it fires, `fire` runs as a step of this account. */
  setTimer(ms: number, fire: (held: Held) => void): void {
    this.clearTimer();
    const state = this.state;
    const account = this.account;
    const timer = setTimeout(() => {
      if (state.timer === timer) state.timer = null;
      account.step(fire);
    }, ms);
    state.timer = timer;
  }

  clearTimer(): void {
    const state = this.state;
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
  }

  // ── supervision's memory ──────────────────────────────────────────────────

  /** Takes one restart from the budget (`max` per `windowMs`); false when it is spent. */
  takeRestart(max: number, windowMs: number, now = Date.now()): boolean {
    const recent = this.state.restarts.filter((at) => now - at < windowMs);
    if (recent.length >= max) {
      this.state.restarts = recent;
      return false;
    }
    recent.push(now);
    this.state.restarts = recent;
    return true;
  }

  markSick(sliceId: string, why: string): void {
    this.state.sick = { sliceId, why };
  }

  /** Why `sliceId` was reported sick since its last check (null if it was not); forgets any report. */
  takeSick(sliceId: string): string | null {
    const sick = this.state.sick;
    this.state.sick = null;
    return sick?.sliceId === sliceId ? sick.why : null;
  }
}

/**
 * The account's state for the length of one run: the account to itself, no other run
 * before this one ends. The steps that need that take an `Owned` (a `Held` will not do:
 * the private field makes the type nominal), so "under the account lock" is a type.
 */
export class Owned extends Held {
  readonly #exclusive = true;

  get exclusive(): boolean {
    return this.#exclusive;
  }
}

export class Account {
  readonly #state: AccountState = { attempt: null, live: null, link: null, timer: null, restarts: [], sick: null };
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  constructor(readonly id: string) {}

  /** Exclusive work on the account: one run at a time, in arrival order, even after a failure. */
  run<T>(work: (owned: Owned) => Promise<T>): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(async () => {
      const box: Box = { state: this.#state };
      try {
        return await work(new Owned(this, box));
      } finally {
        box.state = null;
      }
    });
    this.#tail = result.then(
      () => this.#pending--,
      () => this.#pending--,
    );
    return result;
  }

  /** One synchronous step with the account's state (an event, a timer, a query). */
  step<T>(work: (held: Held) => T): T {
    const box: Box = { state: this.#state };
    try {
      return work(new Held(this, box));
    } finally {
      box.state = null;
    }
  }

  /** Resolves once no run is queued or running. */
  async idle(): Promise<void> {
    while (this.#pending > 0) await this.#tail;
  }
}

/** Every account's owner, made on first use. */
export class Accounts {
  readonly #accounts = new Map<string, Account>();

  of(accountId: string): Account {
    let account = this.#accounts.get(accountId);
    if (!account) {
      account = new Account(accountId);
      this.#accounts.set(accountId, account);
    }
    return account;
  }

  /** Every owner made so far. */
  all(): Account[] {
    return [...this.#accounts.values()];
  }
}
