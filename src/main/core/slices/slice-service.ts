/**
 * The connect flow of PRODUCT §1, behind one façade. Each account has one owner
 * (account.ts) of everything the host keeps about it in memory — its lock, its one
 * stage/QR timer, its connect in flight, the slice it follows, the link facts, the
 * restart budget — and every input reaches that state through it: a command, a slice
 * event, a timer, a health check and the reconciler each enter as a run (exclusive)
 * or a step (synchronous). The work is split along the flow, one step per module;
 * each is a handler that receives the account's owner:
 *
 *   provisioner.ts     connect: single-flight, reuse a healthy slice, or provision stage by stage
 *   slice-follower.ts  the slice's event stream → stages, views, History; reports lost/sick streams
 *   supervisor.ts      health checks and the restart ladder (hears the follower's reports)
 *   teardown.ts        teardown, failing a slice, Destroy / Log out / Remove
 *   stage-clock.ts     stages persisted and shown, the account's one stage/QR timer armed
 *   placement.ts       where a slice runs (the runtime's location), session-node pinning
 *
 * Wiring has no cycle: teardown ← clock ← follower ← supervisor ← provisioner. This
 * class keeps the API the core (index.ts), the reconciler, the health monitor, the
 * outbox and the tests use, and forwards the operator's commands to the slice.
 */
import { SlicedeckError } from '@shared/errors';
import { isProvisioningStage, type Stage } from '@shared/stages';
import type { Chat, ChatMessage, MediaFile, SliceEventRecord, SliceView } from '@shared/types';
import type { ConnectResult } from '@shared/contract';
import type { SimFaultKind, SliceChatsRequest, SliceMessagesRequest } from '@shared/slice-protocol';
import type { SliceRow, Store } from '../db/store';
import type { SliceClient } from '../slice-client';
import { Accounts, type Account, type Held, type LiveSlice, type Owned } from './account';
import { Provisioner } from './provisioner';
import { SliceFollower } from './slice-follower';
import { SliceContext, type SliceServiceDeps } from './slice-state';
import { StageClock } from './stage-clock';
import { Supervisor } from './supervisor';
import { Teardown } from './teardown';

export type { Owned } from './account';
export type { OutgoingHooks, SliceServiceDeps, StageHook, StagePoint } from './slice-state';
export { INTERRUPTED_WORDS, LOGGED_OUT_WORDS, SESSION_REFUSED_WORDS, pinnedNodeWords } from './words';

/** On top of the stop grace: how long closing waits for the engine to remove the stopped slices. */
const CLOSE_MARGIN_MS = 15_000;

/**
 * The account's slice if it is Ready and not reconnecting (what the outgoing queue hands
 * messages to). A function of the owners and the store alone, so the queue can be built
 * before the slice service (core/index.ts) and neither waits for the other.
 */
export function readySliceOf(accounts: Accounts, store: Store, accountId: string): { sliceId: string; client: SliceClient } | null {
  const live = accounts.of(accountId).step((held) => held.live);
  const row = store.getSlice(accountId);
  if (!live || !row || row.sliceId !== live.sliceId || row.stage !== 'ready' || row.error) return null;
  return { sliceId: live.sliceId, client: live.client };
}

export class SliceService {
  private readonly state: SliceContext;
  private readonly accounts: Accounts;
  private readonly ending: Teardown;
  private readonly follower: SliceFollower;
  private readonly supervisor: Supervisor;
  private readonly provisioner: Provisioner;

  constructor(deps: SliceServiceDeps) {
    this.accounts = deps.accounts ?? new Accounts();
    this.state = new SliceContext(deps, this.accounts);
    this.ending = new Teardown(this.state);
    const clock = new StageClock(this.state, this.ending);
    this.follower = new SliceFollower(this.state, clock, this.ending);
    this.supervisor = new Supervisor(this.state, this.follower, this.ending);
    this.provisioner = new Provisioner(this.state, clock, this.follower, this.supervisor, this.ending);
  }

  private account(accountId: string): Account {
    return this.state.account(accountId);
  }

  // ── queries ───────────────────────────────────────────────────────────────

  view(accountId: string): SliceView {
    this.state.requireAccount(accountId);
    return this.state.viewOf(accountId, this.state.store.getSlice(accountId));
  }

  list(): SliceView[] {
    const { store } = this.state;
    return store.listAccounts().map((account) => this.state.viewOf(account.id, store.getSlice(account.id)));
  }

  history(accountId: string): SliceEventRecord[] {
    this.state.requireAccount(accountId);
    return this.state.store.history(accountId);
  }

  hasAttempt(accountId: string): boolean {
    return this.account(accountId).step((held) => held.attempt !== null);
  }

  /** The queue changed (a message accepted, sent or cancelled): the view's count follows. */
  publishView(accountId: string): void {
    this.state.publish(accountId, this.state.store.getSlice(accountId));
  }

  // ── the connect flow: provision → follow → supervise → tear down ─────────

  connect(accountId: string): Promise<ConnectResult> {
    return this.provisioner.connect(accountId);
  }

  /** One health pass over every running slice (the health monitor's timer). */
  checkAll(): Promise<void> {
    return this.supervisor.checkAll();
  }

  /**
   * The host stops a slice for a cause of its own (e.g. past its disk budget): a History
   * row of `type` with the words, then `error` with the same words. A slice no longer
   * the account's current one is left alone.
   */
  stopForCause(accountId: string, sliceId: string, type: string, error: SlicedeckError): void {
    const slice = this.state.slice(accountId, sliceId);
    const row = slice.current();
    if (!row) return;
    slice.record(type, row.stage, error.message);
    this.account(accountId).step((held) => this.ending.failSlice(held, slice, error));
  }

  destroy(accountId: string): Promise<void> {
    return this.ending.destroy(this.account(accountId));
  }

  logout(accountId: string): Promise<void> {
    return this.ending.logout(this.account(accountId));
  }

  removeAccount(accountId: string): Promise<void> {
    return this.ending.removeAccount(this.account(accountId));
  }

  // ── the reconciler's: each takes the account's `Owned`, so only from inside withAccountLock ──

  /** Runs reconciler work as one run of the account's owner: after any connect/destroy queued before it, before any after. */
  withAccountLock<T>(accountId: string, work: (owned: Owned) => Promise<T>): Promise<T> {
    return this.account(accountId).run(work);
  }

  /** Removes the slice's container and clears its row into `finalStage` (see Teardown.teardown). */
  teardown(owned: Owned, sliceId: string, finalStage: Stage, words: string | null, opts: { sweepLabels?: boolean; graceful?: boolean } = {}): Promise<void> {
    return this.ending.teardown(owned, this.state.slice(owned.id, sliceId), finalStage, words, opts);
  }

  /** Re-follows a slice found running at start-up, and re-arms its timers from the persisted truth. */
  adopt(owned: Owned, row: SliceRow): void {
    this.follower.adopt(owned, row);
  }

  /** Finishes a provisioning a dead host left with a healthy container; false when it cannot. */
  resumeProvisioning(owned: Owned, row: SliceRow): Promise<boolean> {
    return this.provisioner.resume(owned, row);
  }

  // ── commands forwarded to the slice ──────────────────────────────────────

  /** Link by phone number: asks the slice (showing codes) for WhatsApp's pairing code for that number. */
  async pairingCode(accountId: string, phoneNumber: string): Promise<{ code: string; expiresAt: number }> {
    const row = this.state.store.getSlice(accountId);
    if (row && row.stage !== 'qr' && !isProvisioningStage(row.stage)) {
      throw new SlicedeckError('conflict', row.stage === 'ready' || row.stage === 'linking' ? 'This account is already linked (or linking): no code is needed.' : 'No code is on offer right now. Click Connect WhatsApp first, then choose Link with phone number.');
    }
    return this.clientFor(accountId).pairingCode(phoneNumber);
  }

  /** sim.fault: refused outside simulation mode, like sim.scan; the slice plays the fault. */
  async simFault(accountId: string, kind: SimFaultKind, count?: number): Promise<void> {
    if (this.state.deps.config.driver !== 'simulated') {
      throw new SlicedeckError('not_simulation', 'Faults can only be played in simulation mode (SLICEDECK_DRIVER=simulated). With a real phone, log out or turn off its network instead.');
    }
    await this.clientFor(accountId).simFault(kind, count);
  }

  async simScan(accountId: string, syncMs?: number): Promise<void> {
    if (this.state.deps.config.driver !== 'simulated') {
      throw new SlicedeckError('not_simulation', 'Scanning from slicedeck only works in simulation mode (SLICEDECK_DRIVER=simulated). Scan the code with WhatsApp on the phone instead.');
    }
    await this.clientFor(accountId).simScan(syncMs === undefined ? {} : { syncMs });
  }

  /** One page of the account's chats (see @shared/paging). */
  async chats(accountId: string, request: SliceChatsRequest = {}): Promise<Chat[]> {
    return this.clientFor(accountId).chats(request);
  }

  /** One page of a chat's messages going back in time. */
  async messages(accountId: string, chatId: string, request: SliceMessagesRequest = {}): Promise<ChatMessage[]> {
    return this.clientFor(accountId).messages(chatId, request);
  }

  /** A media message's file, within the media limit (SLICEDECK_MEDIA_MAX_BYTES); the slice refuses larger ones with words. */
  async media(accountId: string, chatId: string, messageId: string): Promise<MediaFile> {
    return this.clientFor(accountId).media(chatId, messageId, this.state.deps.config.mediaMaxBytes);
  }

  /** The followed slice's client, once provisioning is over; words otherwise. */
  private clientFor(accountId: string): SliceClient {
    this.state.requireAccount(accountId);
    const live = this.account(accountId).step((held) => held.live);
    const row = this.state.store.getSlice(accountId);
    if (!live || !row || row.sliceId !== live.sliceId || isProvisioningStage(row.stage)) {
      throw new SlicedeckError('slice_unavailable', 'This account has no running slice yet. Connect this account first (click “Connect WhatsApp”).');
    }
    return live.client;
  }

  // ── test seams: no product caller; the integration tests reach the flow's inner steps here ──

  /** Whether the host follows this slice of the account (tests: a slice followed again after a restart). */
  isFollowing(accountId: string, sliceId: string): boolean {
    return this.account(accountId).step((held) => held.isFollowing(sliceId));
  }

  /** Follows the account's current slice (refused for any other: a late follow of an aborted attempt). */
  follow(accountId: string, sliceId: string, port: number, token: string, host: string): LiveSlice {
    return this.account(accountId).step((held) => this.follower.follow(held, this.state.slice(accountId, sliceId), port, token, host));
  }

  /** Health check of one running slice; down the restart ladder if it is dead, silent or sick. */
  checkSlice(accountId: string, sliceId: string): Promise<void> {
    return this.supervisor.check(this.account(accountId), this.state.slice(accountId, sliceId));
  }

  /** The slice broke the protocol or is otherwise sick: down the restart ladder, whatever /health says. */
  reportSick(accountId: string, sliceId: string, why: string): Promise<void> {
    return this.supervisor.reportSick(this.account(accountId), this.state.slice(accountId, sliceId), why);
  }

  // ── lifecycle ─────────────────────────────────────────────────────────────

  /**
   * Quit with "destroy the slices": every slice at once, each stopped gracefully when it
   * may hold a session, so quitting takes one grace at most, not one per slice. Bounded:
   * an engine that stops answering must not hold quitting up; whatever is left then is
   * repaired by the reconciler at the next start (its rows still name the containers).
   */
  private async destroyAllForClose(): Promise<void> {
    const { state } = this;
    const ending = Promise.allSettled(
      state.store
        .listSlices()
        .filter((row) => row.sliceId)
        .map((row) => this.account(row.accountId).run((owned) => this.teardown(owned, row.sliceId!, 'idle', null))),
    );
    let timer: NodeJS.Timeout | undefined;
    const bound = state.deps.config.stopGraceMs + CLOSE_MARGIN_MS;
    const late = await Promise.race([ending.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), bound)))]);
    clearTimeout(timer);
    if (late) state.log.warn({ boundMs: bound }, 'slices were still stopping when slicedeck closed; the next start removes what is left');
  }

  async close(opts: { destroySlices?: boolean } = {}): Promise<void> {
    const { state } = this;
    state.closed = true;
    const cancel = (held: Held) => {
      const attempt = held.attempt;
      this.ending.cancelAttempt(held, 'slicedeck is shutting down.');
      return attempt?.done;
    };
    await Promise.allSettled(this.accounts.all().map((account) => account.step(cancel)));
    if (opts.destroySlices) await this.destroyAllForClose();
    await Promise.all(this.accounts.all().map((account) => account.idle()));
    for (const account of this.accounts.all()) {
      account.step((held) => {
        held.clearTimer();
        held.unfollow();
      });
    }
  }
}
