/**
 * The connect flow of PRODUCT §1, behind one façade. The work is split along the
 * flow, one step per module, sharing one per-account registry (slice-state.ts):
 *
 *   provisioner.ts     connect: single-flight, reuse a healthy slice, or provision stage by stage
 *   slice-follower.ts  the slice's event stream → stages, views, History; QR clock re-armed by codes
 *   supervisor.ts      health checks and the restart ladder
 *   teardown.ts        teardown, failing a slice, Destroy / Log out / Remove
 *   stage-clock.ts     stages persisted and shown, the one stage/QR timer per account
 *   placement.ts       where a slice runs (the runtime's location), session-node pinning
 *
 * This class keeps the API the core (index.ts), the reconciler, the health monitor,
 * the outbox and the tests use, wires the steps together, and forwards the
 * operator's commands to the slice.
 */
import { SlicedeckError } from '@shared/errors';
import { isProvisioningStage, type Stage } from '@shared/stages';
import type { Chat, ChatMessage, MediaFile, SendResult, SliceEventRecord, SliceView } from '@shared/types';
import type { ConnectResult } from '@shared/contract';
import type { SimFaultKind, SliceChatsRequest, SliceMessagesRequest } from '@shared/slice-protocol';
import type { SliceRow } from '../db/store';
import type { SliceClient } from '../slice-client';
import { Provisioner } from './provisioner';
import { SliceFollower } from './slice-follower';
import { SliceState, type LiveSlice, type SliceServiceDeps } from './slice-state';
import { StageClock } from './stage-clock';
import { Supervisor } from './supervisor';
import { Teardown } from './teardown';

export type { OutgoingHooks, SliceServiceDeps, StageHook, StagePoint } from './slice-state';
export { INTERRUPTED_WORDS, LOGGED_OUT_WORDS, SESSION_REFUSED_WORDS, pinnedNodeWords } from './words';

/** On top of the stop grace: how long closing waits for the engine to remove the stopped slices. */
const CLOSE_MARGIN_MS = 15_000;

export class SliceService {
  private readonly state: SliceState;
  private readonly ending: Teardown;
  private readonly follower: SliceFollower;
  private readonly supervisor: Supervisor;
  private readonly provisioner: Provisioner;

  constructor(deps: SliceServiceDeps) {
    const state = new SliceState(deps);
    const ending = new Teardown(state);
    const clock = new StageClock(state, {
      failSlice: (slice, error) => ending.failSlice(slice, error),
      teardown: (slice, finalStage, error) => ending.teardown(slice, finalStage, error),
    });
    // The follower hands lost or misbehaving streams to the supervisor, which follows healthy slices again.
    const follower: SliceFollower = new SliceFollower(state, clock, ending, {
      check: (slice): Promise<void> => supervisor.check(slice),
      reportSick: (slice, why): Promise<void> => supervisor.reportSick(slice, why),
    });
    const supervisor: Supervisor = new Supervisor(state, follower, ending);
    this.state = state;
    this.ending = ending;
    this.follower = follower;
    this.supervisor = supervisor;
    this.provisioner = new Provisioner(state, clock, follower, supervisor, ending);
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

  /** The account's slice if it is Ready and not reconnecting (what the outgoing queue hands messages to). */
  readySlice(accountId: string): { sliceId: string; client: SliceClient } | null {
    const live = this.state.live.get(accountId);
    const row = this.state.store.getSlice(accountId);
    if (!live || !row || row.sliceId !== live.sliceId || row.stage !== 'ready' || row.note) return null;
    return { sliceId: live.sliceId, client: live.client };
  }

  hasAttempt(accountId: string): boolean {
    return this.state.attempts.has(accountId);
  }

  isFollowing(accountId: string, sliceId: string): boolean {
    return this.state.isFollowing(accountId, sliceId);
  }

  /** The queue changed (a message accepted, sent or cancelled): the view's count follows. */
  publishView(accountId: string): void {
    this.state.publish(accountId, this.state.store.getSlice(accountId));
  }

  // ── the connect flow: provision → follow → supervise → tear down ─────────

  connect(accountId: string): Promise<ConnectResult> {
    return this.provisioner.connect(accountId);
  }

  /** Follows the account's current slice (refused for any other: a late follow of an aborted attempt). */
  follow(accountId: string, sliceId: string, port: number, token: string, host: string): LiveSlice {
    return this.follower.follow(this.state.slice(accountId, sliceId), port, token, host);
  }

  async isHealthy(row: SliceRow): Promise<boolean> {
    return this.supervisor.isHealthy(row);
  }

  /** One health pass over every running slice (the health monitor's timer). */
  checkAll(): Promise<void> {
    return this.supervisor.checkAll();
  }

  /** Health check of one running slice; down the restart ladder if it is dead, silent or sick. */
  checkSlice(accountId: string, sliceId: string): Promise<void> {
    return this.supervisor.check(this.state.slice(accountId, sliceId));
  }

  /** A slice failed: abort its provisioning if one is running, else tear it down into `error`. */
  failSlice(accountId: string, sliceId: string, error: SlicedeckError): void {
    this.ending.failSlice(this.state.slice(accountId, sliceId), error);
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
    this.ending.failSlice(slice, error);
  }

  /** Removes the slice's container and clears its row into `finalStage` (see Teardown.teardown); call under the account lock. */
  teardown(accountId: string, sliceId: string, finalStage: Stage, error: string | null, opts: { sweepLabels?: boolean; graceful?: boolean } = {}): Promise<void> {
    return this.ending.teardown(this.state.slice(accountId, sliceId), finalStage, error, opts);
  }

  destroy(accountId: string): Promise<void> {
    return this.ending.destroy(accountId);
  }

  logout(accountId: string): Promise<void> {
    return this.ending.logout(accountId);
  }

  removeAccount(accountId: string): Promise<void> {
    return this.ending.removeAccount(accountId);
  }

  // ── the reconciler's ──────────────────────────────────────────────────────

  /** Re-follows a slice found running at start-up, and re-arms its timers from the persisted truth. */
  adopt(row: SliceRow): void {
    this.follower.adopt(row);
  }

  /** Finishes a provisioning a dead host left with a healthy container; false when it cannot. Call under the account lock. */
  resumeProvisioning(row: SliceRow): Promise<boolean> {
    return this.provisioner.resume(row);
  }

  /** Serialises reconciler work with connect/destroy for the same account. */
  withAccountLock<T>(accountId: string, work: () => Promise<T>): Promise<T> {
    return this.state.lock.run(accountId, work);
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

  async send(accountId: string, chatId: string, text: string): Promise<SendResult> {
    return this.clientFor(accountId).send({ chatId, text });
  }

  /** The followed slice's client, once provisioning is over; words otherwise. */
  private clientFor(accountId: string): SliceClient {
    this.state.requireAccount(accountId);
    const live = this.state.live.get(accountId);
    const row = this.state.store.getSlice(accountId);
    if (!live || !row || row.sliceId !== live.sliceId || isProvisioningStage(row.stage)) {
      throw new SlicedeckError('slice_unavailable', 'This account has no running slice yet. Connect this account first (click “Connect WhatsApp”).');
    }
    return live.client;
  }

  /** The slice broke the protocol or is otherwise sick: down the restart ladder, whatever /health says. */
  reportSick(accountId: string, sliceId: string, why: string): Promise<void> {
    return this.supervisor.reportSick(this.state.slice(accountId, sliceId), why);
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
        .map((row) => state.lock.run(row.accountId, () => this.teardown(row.accountId, row.sliceId!, 'idle', null))),
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
    for (const accountId of state.attempts.keys()) this.ending.cancelAttempt(accountId, 'slicedeck is shutting down.');
    await Promise.allSettled([...state.attempts.values()].map((attempt) => attempt.done));
    if (opts.destroySlices) await this.destroyAllForClose();
    await state.lock.idle();
    state.clearAllTimers();
    for (const accountId of [...state.live.keys()]) state.unfollow(accountId);
  }
}
