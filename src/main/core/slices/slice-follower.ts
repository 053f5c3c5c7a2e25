/**
 * Following a slice: its event stream turned into stages, History rows and views
 * (codes, pairing, linking, contacts, Ready), the QR clock re-armed by each code,
 * the slice's `state` after `authenticated` (a drop is a note beside Ready,
 * `needs_qr` takes the account out of Ready), and what the slice says about
 * messages. Every event is one step of the account's owner (account.ts). A stream
 * that is lost or breaks the protocol is reported to whoever listens (`onTrouble`:
 * supervision), so the follower does not know the supervisor that follows it.
 */
import { SlicedeckError } from '@shared/errors';
import { isProvisioningStage, isTerminalStage } from '@shared/stages';
import type { InstanceState } from '@shared/types';
import type { SliceEvent } from '@shared/slice-protocol';
import type { SliceRow } from '../db/store';
import { SliceClient, SliceProtocolError } from '../slice-client';
import { RateBudget, historyOverspentWords } from '../slice-budget';
import { hostOf, sessionNodeOf } from './placement';
import type { Account, Held, LiveSlice, Owned } from './account';
import type { SliceContext, SliceHandle } from './slice-state';
import { QR_DECISION_MARGIN_MS, QR_ROTATION_GRACE_MS, type StageClock } from './stage-clock';
import type { Teardown } from './teardown';
import { LOGGED_OUT_WORDS, SESSION_REFUSED_WORDS, WAITING_WORDS, sliceErrorWords } from './words';
import { sliceSaid } from '@shared/text-safety';

/** How many message ids a followed slice remembers, so a replayed message is shown once. */
const SEEN_MESSAGES = 5_000;

/** Events whose handling may write a History row or a note (charged to LiveSlice.writeBudget); `contacts` only when done. */
const WRITING_EVENTS: ReadonlySet<SliceEvent['type']> = new Set(['qr', 'pairing', 'contacts', 'error', 'disconnected', 'state', 'code']);

/**
 * What the follower reports about a running slice's stream (supervision acts on it):
 * - lost: it stopped and would not come back — is the slice alive?
 * - sick: it broke the protocol — sick however well /health answers.
 */
export type StreamTrouble = { kind: 'lost' } | { kind: 'sick'; why: string };
export type TroubleListener = (account: Account, slice: SliceHandle, trouble: StreamTrouble) => void;

export class SliceFollower {
  private readonly troubleListeners: TroubleListener[] = [];

  constructor(
    private readonly state: SliceContext,
    private readonly clock: StageClock,
    private readonly teardown: Teardown,
  ) {}

  /** Hears of lost and misbehaving streams of running slices. */
  onTrouble(listener: TroubleListener): void {
    this.troubleListeners.push(listener);
  }

  private report(account: Account, slice: SliceHandle, trouble: StreamTrouble): void {
    for (const listener of this.troubleListeners) listener(account, slice, trouble);
  }

  /**
   * Starts (or keeps) following the slice's event stream. Only the account's
   * current slice may be followed: the late follow of an attempt that was aborted
   * (its work runs on after the abort) must never replace a newer slice's stream.
   */
  follow(held: Held, slice: SliceHandle, port: number, token: string, host: string): LiveSlice {
    const { sliceId } = slice;
    const { account } = held;
    const existing = held.live;
    if (existing?.sliceId === sliceId) return existing;
    if (!slice.current()) {
      throw new SlicedeckError('conflict', 'This slice is no longer the account’s current one; a newer Connect replaced it.');
    }
    const { sliceEventsPerSecond, sliceBytesPerSecond, sliceHistoryPerSecond } = this.state.deps.config;
    const client = new SliceClient({
      host,
      port,
      token,
      onViolation: (error) => this.onSliceViolation(account, slice, error),
      budget: { eventsPerSecond: sliceEventsPerSecond, bytesPerSecond: sliceBytesPerSecond },
    });
    const live: LiveSlice = { sliceId, client, seenMessageIds: new Set(), subscription: undefined as never, writeBudget: new RateBudget(sliceHistoryPerSecond) };
    live.subscription = client.subscribe((event) => account.step((now) => this.onSliceEvent(now, slice, event)), {
      onGiveUp: (error) => this.onStreamLost(account, slice, error),
    });
    held.setLive(live);
    return live;
  }

  /** Re-follows a slice found running at start-up, and re-arms its timers from the persisted truth. */
  adopt(owned: Owned, row: SliceRow): void {
    if (!row.sliceId || row.port === null || !row.token) return;
    const slice = this.state.slice(row.accountId, row.sliceId);
    this.follow(owned, slice, row.port, row.token, hostOf(row));
    this.clock.rearm(owned, slice, row);
    slice.record('adopted', row.stage, 'Found running at start-up; following it again');
  }

  private onSliceEvent(held: Held, slice: SliceHandle, event: SliceEvent): void {
    const live = held.live;
    // What makes the host write (a History row, a note) has a budget of its own: a flood of
    // valid ones is a breach (thrown to the client, which drops the stream), not rows for ever.
    if (live?.sliceId === slice.sliceId && WRITING_EVENTS.has(event.type) && !(event.type === 'contacts' && !event.data.done) && !live.writeBudget.spend(1)) {
      throw new SliceProtocolError(historyOverspentWords(this.state.deps.config.sliceHistoryPerSecond));
    }
    try {
      this.handleSliceEvent(held, slice, event);
    } catch (error) {
      this.state.log.error({ ...slice.ids, err: error, event: event.type }, 'handling a slice event failed');
    }
  }

  private handleSliceEvent(held: Held, slice: SliceHandle, event: SliceEvent): void {
    const { store, deps } = this.state;
    const clock = this.clock;
    const { accountId, sliceId } = slice;
    const row = slice.current();
    // Events of a slice that is no longer the account's current one are history.
    if (!row || isTerminalStage(row.stage)) return;
    const live = held.live;

    switch (event.type) {
      case 'qr': {
        const qr = event.data;
        // A late subscriber gets old events replayed: skip codes already expired or older than the current stage.
        if (qr.expiresAt <= Date.now() || (row.stageStartedAt !== null && qr.issuedAt < row.stageStartedAt && row.stage !== 'qr' && row.stage !== 'initializing')) return;
        if (row.qr && row.qr.issuedAt === qr.issuedAt && row.qr.index === qr.index && row.stage === 'qr') return;
        store.setQr(accountId, sliceId, qr);
        if (row.stage !== 'qr') clock.enterStage(held, slice, 'qr', null, false);
        else slice.publish(store.getSlice(accountId));
        slice.record('qr', 'qr', `Code ${qr.index} of ${qr.total}`);
        if (store.sessionSaved(accountId)) {
          // A saved session should have restored without a code: WhatsApp refused it (removed on the phone, or expired).
          store.setSessionSaved(accountId, false);
          slice.record('session.refused', 'qr', 'WhatsApp did not accept the saved session; a new code is needed');
          slice.note(SESSION_REFUSED_WORDS);
        }
        clock.armQr(held, slice, clock.qrDeadline(qr, null));
        return;
      }
      case 'pairing': {
        // A phone scanned and is logging in after the codes ran out: keep the slice until then.
        const { until } = event.data;
        if (row.stage !== 'qr' || until <= Date.now() || row.pairingUntil === until) return;
        const updated = store.setPairing(accountId, sliceId, until);
        if (row.pairingUntil === null) slice.record('pairing', 'qr', 'Code scanned; the phone is logging in');
        slice.publish(updated);
        if (row.qr) clock.armQr(held, slice, clock.qrDeadline(row.qr, until));
        return;
      }
      case 'authenticated': {
        if (row.stage === 'linking' || row.stage === 'ready') return;
        if (row.stage !== 'qr' && store.sessionSaved(accountId)) {
          slice.record('session.restored', row.stage, 'Restored the saved session; no code was needed');
        }
        // The pairing code is spent; WhatsApp's loading percent (it may have come first) stays.
        const info = held.linkOf(sliceId);
        if (info && (info.loadingPercent !== undefined || info.waitingFor)) {
          const { pairingCode: _spent, ...kept } = info;
          held.setLink(kept);
        } else held.clearLink();
        store.setQr(accountId, sliceId, null);
        clock.enterStage(held, slice, 'linking');
        return;
      }
      case 'contacts': {
        if (row.contacts === event.data.count) return;
        const updated = store.setContacts(accountId, sliceId, event.data.count);
        if (event.data.done) slice.record('contacts', row.stage, `Found ${event.data.count} contacts`);
        slice.publish(updated);
        return;
      }
      case 'ready': {
        if (row.stage === 'ready') return;
        // The session is on the account's volume now: the next slice restores it without a code.
        store.setSessionSaved(accountId, true);
        // Where volumes are node-local (a swarm), that volume is on the node the slice ran on: pin the account there.
        const sessionNode = sessionNodeOf(row);
        if (sessionNode) store.setSessionNode(accountId, sessionNode);
        held.clearLink();
        store.setQr(accountId, sliceId, null);
        clock.enterStage(held, slice, 'ready');
        return;
      }
      case 'error':
        // The slice's words (e.g. the restart ladder gave up) say what happened — as the
        // slice's: the schema cleaned them (text-safety.ts), sliceErrorWords attributes them.
        slice.record('slice.error', row.stage, sliceSaid(event.data.message));
        this.teardown.failSlice(held, slice, new SlicedeckError('slice_failed', sliceErrorWords(event.data.message)));
        return;
      case 'disconnected':
        slice.record('disconnected', row.stage, sliceSaid(event.data.reason));
        return;
      case 'state':
        this.followState(held, slice, row, event.data.state, event.data.reason);
        return;
      case 'message': {
        const message = event.data.message;
        if (live) {
          if (live.seenMessageIds.has(message.id)) return;
          live.seenMessageIds.add(message.id);
          if (live.seenMessageIds.size > SEEN_MESSAGES) live.seenMessageIds.delete(live.seenMessageIds.values().next().value!);
        }
        deps.bus.emit('chat.message', { accountId, message });
        return;
      }
      case 'message.ack':
        deps.outgoing?.ack(accountId, event.data.messageId, event.data.ack);
        return;
      case 'code': {
        if (row.stage !== 'qr' || event.data.expiresAt <= Date.now()) return;
        const { code, expiresAt } = event.data;
        held.setLink({ sliceId, pairingCode: { code, expiresAt } });
        // Never the code itself in History: it is a credential while it lives.
        slice.record('pairing_code', 'qr', 'Pairing code issued');
        clock.armQr(held, slice, expiresAt + QR_ROTATION_GRACE_MS + QR_DECISION_MARGIN_MS);
        slice.publish(store.getSlice(accountId));
        return;
      }
      case 'waiting': {
        // What the slice waits for: shown while it starts or links, and named if the host's timeout ends it.
        if (row.stage !== 'linking' && row.stage !== 'initializing' && row.stage !== 'qr') return;
        const info = held.linkOf(sliceId);
        if (info?.waitingFor === event.data.step) return;
        held.setLink({ ...info, sliceId, waitingFor: event.data.step });
        slice.record('waiting', row.stage, WAITING_WORDS[event.data.step]);
        slice.publish(row);
        return;
      }
      case 'loading': {
        // Offline progress may come before `authenticated` (a restored session) or after it.
        if (row.stage !== 'linking' && row.stage !== 'initializing') return;
        held.setLink({ ...held.linkOf(sliceId), sliceId, loadingPercent: event.data.percent });
        slice.publish(row);
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
  private followState(held: Held, slice: SliceHandle, row: SliceRow, state: InstanceState, reason: string | undefined): void {
    // While codes are shown, `needs_qr` is the slice saying its codes are over: it asked
    // WhatsApp and no phone is logging in (or the one that scanned ran out of its grace).
    // A fresh or restarted slice starts `disconnected`, so a replay never says this falsely.
    if (row.stage === 'qr' && state === 'needs_qr') {
      void this.clock.codesOver(held.account, slice);
      return;
    }
    if (row.stage !== 'ready' && row.stage !== 'linking') return;
    switch (state) {
      case 'ready':
        if (row.stage === 'ready' && row.note) {
          slice.record('reconnected', row.stage, 'WhatsApp is linked again');
          slice.note(null);
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
          ? `WhatsApp lost the link to the phone (the slice said: ${reason}) and is reconnecting by itself. Messages sent now are queued.`
          : (row.note ?? 'WhatsApp is reconnecting by itself. Messages sent now are queued.');
        if (row.note === note) return;
        slice.note(note);
        return;
      }
      case 'needs_qr':
        void held.account
          .run((owned) => this.leaveLinked(owned, slice, reason))
          .catch((err: unknown) => this.state.log.error({ accountId: slice.accountId, err }, 'taking a logged-out account out of Ready failed'));
        return;
      case 'error':
        return;
    }
  }

  /**
   * WhatsApp no longer accepts this device: the slice's session is gone, so the slice
   * (an idle container now) and its session volume go too, and the account is back at
   * Connect with words saying why.
   */
  private async leaveLinked(owned: Owned, slice: SliceHandle, reason: string | undefined): Promise<void> {
    const { store, log } = this.state;
    const row = slice.current();
    if (!row || (row.stage !== 'ready' && row.stage !== 'linking')) return;
    log.info({ ...slice.ids, reason }, 'WhatsApp logged the account out; destroying its slice');
    slice.record('logged_out', row.stage, reason !== undefined ? sliceSaid(reason) : 'The slice needs a new QR code: the session is no longer valid');
    store.setSessionSaved(slice.accountId, false);
    // WhatsApp refused the session: nothing on the volume is worth saving.
    await this.teardown.teardown(owned, slice, 'idle', LOGGED_OUT_WORDS, { graceful: false });
    try {
      await this.teardown.removeSessionVolume(slice.accountId);
    } catch (err) {
      // The next Connect shows codes either way; a stale volume is removed with the account.
      log.warn({ accountId: slice.accountId, err }, 'could not delete the session volume of a logged-out account');
    }
  }

  /** The event stream stopped and would not come back: find out whether the slice died. */
  private onStreamLost(account: Account, slice: SliceHandle, error: Error): void {
    if (this.state.closed) return;
    // A broken protocol was already reported (onSliceViolation), which started the ladder.
    if (error instanceof SliceProtocolError) return;
    this.state.log.info({ ...slice.ids, err: error }, 'lost the slice event stream; checking the slice');
    // The subscription is dead: forget it so a later healthy check follows the slice afresh.
    account.step((held) => held.unfollow(slice.sliceId));
    this.report(account, slice, { kind: 'lost' });
  }

  /**
   * The slice broke the protocol (an endless or oversized event or answer, or one
   * of the wrong shape): its stream is already dropped. A History row says so;
   * then a provisioning slice fails with words, and a running one goes down the
   * health ladder as a sick slice (restart within the budget, else `error`).
   */
  private onSliceViolation(account: Account, slice: SliceHandle, error: SliceProtocolError): void {
    if (this.state.closed) return;
    const row = slice.current();
    if (!row) return;
    this.state.log.warn({ ...slice.ids, err: error }, 'the slice broke the protocol');
    slice.record('slice.protocol', row.stage, `The slice broke the protocol: ${error.message}`);
    const provisioning = account.step((held) => {
      held.unfollow(slice.sliceId);
      if (held.attempt?.sliceId !== slice.sliceId && !isProvisioningStage(row.stage)) return false;
      this.teardown.failSlice(held, slice, new SlicedeckError('slice_failed', `The slice broke the protocol (${error.message}) and was stopped. Click Connect to start a fresh one.`));
      return true;
    });
    if (!provisioning) this.report(account, slice, { kind: 'sick', why: `it broke the protocol: ${error.message}` });
  }
}
