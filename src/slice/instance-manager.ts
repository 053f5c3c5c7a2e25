/**
 * The InstanceManager: the lifecycle of one WhatsApp client inside a slice
 * (PRODUCT §2).
 *
 * - An explicit state machine `ready | connecting | disconnected | needs_qr | error`;
 *   every transition has a name and is logged as a JSON line.
 * - Readiness is event-driven: waiters are settled by transitions, never by polling.
 * - Automatic reconnects are single-flight (one ladder at a time, whoever asks) and
 *   climb a ladder: a soft restart (destroy + initialize the same client), then hard
 *   restarts (a new client), with `RESTART_BACKOFF_MS` between attempts and at most
 *   `MAX_RESTARTS_PER_WINDOW` restarts per `WINDOW_MINUTES`, after which: `error`.
 * - `needs_qr` is terminal for automatic reconnects: only the operator (initialize)
 *   leaves it, because only a person can scan a code.
 * - A send goes to WhatsApp now or is refused (not ready: DriverNotReadyError, a 409
 *   `not_ready`); the slice keeps no outgoing queue. The host's outbox (SQLite) owns
 *   delivery: it keeps what was refused and hands it over again once the account is
 *   Ready, so "exactly once" is decided in one place.
 */
import type { SliceEvent, SliceEventMap, SliceEventName, SliceSendResponse, SliceStatus } from '@shared/slice-protocol';
import type { Chat, ChatMessage, DriverName, InstanceState, LinkWaitStep, MediaFile, QrInfo } from '@shared/types';
import { DriverNotReadyError, type ChatsQuery, type DriverEventSink, type DriverFactory, type MessagesQuery, type WhatsAppDriver } from './drivers/driver';

export interface InstanceManagerConfig {
  readyTimeoutMs: number;
  restartBackoffMs: number;
  maxRestartsPerWindow: number;
  windowMs: number;
  /**
   * How often a ready client is asked whether it still answers (0 = never). Each
   * probe may take half of it; two failed probes in a row mean the client is deaf
   * (detected within two intervals) and it goes through the restart ladder. One
   * failed probe is forgiven: WhatsApp Web reloads itself now and then (notably a
   * few minutes after a fresh pairing), and a page mid-reload does not answer.
   */
  livenessProbeMs?: number;
}

export type LogEntry = { event: string } & Record<string, unknown>;
export type Logger = (entry: LogEntry) => void;

/** JSON lines on stdout: what `docker logs` shows. */
export const jsonLineLogger: Logger = (entry) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
};

/** The names of every transition, so logs and tests speak the same words. */
export type TransitionName =
  | 'initialize_requested'
  | 'client_ready'
  | 'qr_expired'
  | 'link_lost'
  | 'reconnect_soft'
  | 'reconnect_hard'
  | 'restart_limit_reached'
  | 'initialize_failed'
  | 'session_lost_during_reconnect'
  | 'logged_out_from_phone'
  | 'auth_failed'
  | 'logout_requested'
  | 'client_deaf';

interface StateWaiter {
  onTransition(to: InstanceState): void;
  onAttemptFailed(error: Error): void;
}

type Listener = (event: SliceEvent) => void;

/** Attempt errors that carry the reason the ladder must stop climbing. */
class TerminalStateReached extends Error {}

export class InstanceManager {
  private currentState: InstanceState = 'disconnected';
  private driver: WhatsAppDriver | null = null;
  /** Bumped for every new client: events of an older client are ignored. */
  private generation = 0;
  /** Who started the current client: the operator, or the reconnect ladder. */
  private startedBy: 'operator' | 'reconnect' = 'operator';
  private qr: QrInfo | null = null;
  /** A phone scanned and is logging in after the codes ran out: the client stays up until then. */
  private pairingUntil: number | null = null;
  private authenticated = false;
  private contacts = 0;
  private contactsDone = false;
  private errorMessage: string | null = null;
  /** Real driver with PAIRING_PHONE_NUMBER: the code to type on the phone instead of scanning. */
  private pairingCode: string | null = null;
  private restartCount = 0;
  private restartTimes: number[] = [];
  private reconnecting: Promise<void> | null = null;
  private operatorStart: Promise<void> | null = null;
  private readonly waiters = new Set<StateWaiter>();
  private readonly listeners = new Set<Listener>();
  private readonly backoffTimers = new Set<NodeJS.Timeout>();
  private closed = false;
  private probeTimer: NodeJS.Timeout | null = null;
  private probeFailures = 0;
  /** The pairing code on offer (link by phone number), with its expiry. */
  private pairing: { code: string; issuedAt: number; expiresAt: number } | null = null;
  /** Last loading-screen percent while linking (null: WhatsApp said nothing). */
  private loadingPercent: number | null = null;
  /** What the client last said it waits for while connecting (null: nothing said). */
  private waitingFor: LinkWaitStep | null = null;

  constructor(
    private readonly options: {
      driverName: DriverName;
      factory: DriverFactory;
      config: InstanceManagerConfig;
      log?: Logger;
    },
  ) {}

  private log(entry: LogEntry): void {
    this.options.log?.(entry);
  }

  get state(): InstanceState {
    return this.currentState;
  }

  /** A method, not a field read, so TypeScript does not narrow across awaits. */
  private isIn(...states: InstanceState[]): boolean {
    return states.includes(this.currentState);
  }

  /** `SliceStatus` plus `pairingCode` (pairing-code login only) and `pairingUntil` (a late scan logging in). */
  status(): SliceStatus & { pairingCode: string | null; pairingUntil: number | null } {
    return {
      pairingCode: this.pairingCode,
      pairingUntil: this.pairingUntil,
      state: this.currentState,
      driver: this.options.driverName,
      qr: this.qr,
      authenticated: this.authenticated,
      contacts: this.contacts,
      restarts: this.restartCount,
      error: this.errorMessage,
    };
  }

  // ── events ────────────────────────────────────────────────────────────────

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What a late subscriber needs to catch up: the current state and what led to it. */
  replay(): SliceEvent[] {
    const events: SliceEvent[] = [{ type: 'state', data: { state: this.currentState } }];
    if (this.currentState === 'error' && this.errorMessage) events.push({ type: 'error', data: { message: this.errorMessage } });
    if (this.qr) events.push({ type: 'qr', data: this.qr });
    if (this.pairingUntil !== null && this.currentState === 'connecting') events.push({ type: 'pairing', data: { until: this.pairingUntil } });
    if (this.pairing && this.currentState === 'connecting' && this.pairing.expiresAt > Date.now()) events.push({ type: 'code', data: { ...this.pairing } });
    if (this.loadingPercent !== null && this.currentState === 'connecting') events.push({ type: 'loading', data: { percent: this.loadingPercent } });
    if (this.waitingFor !== null && this.currentState === 'connecting') events.push({ type: 'waiting', data: { step: this.waitingFor } });
    if (this.authenticated) events.push({ type: 'authenticated', data: {} });
    if (this.authenticated || this.contacts > 0) events.push({ type: 'contacts', data: { count: this.contacts, done: this.contactsDone } });
    if (this.currentState === 'ready') events.push({ type: 'ready', data: {} });
    return events;
  }

  private emit<K extends SliceEventName>(type: K, data: SliceEventMap[K]): void {
    const event = { type, data } as SliceEvent;
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.log({ event: 'listener_failed', error: (error as Error).message });
      }
    }
  }

  // ── the state machine ─────────────────────────────────────────────────────

  private transition(to: InstanceState, name: TransitionName, reason?: string): void {
    const from = this.currentState;
    this.currentState = to;
    if (to !== 'error') this.errorMessage = null;
    this.log({ event: 'transition', transition: name, from, to, ...(reason ? { reason } : {}) });
    this.emit('state', reason ? { state: to, reason } : { state: to });
    for (const waiter of [...this.waiters]) waiter.onTransition(to);
    if (to === 'ready') {
      this.pairing = null;
      this.loadingPercent = null;
      this.waitingFor = null;
      this.scheduleProbe();
    } else this.stopProbe();
  }

  private fail(name: TransitionName, message: string): void {
    this.errorMessage = message;
    this.qr = null;
    this.pairingUntil = null;
    this.transition('error', name, message);
    this.errorMessage = message;
    this.emit('error', { message });
  }

  private enterNeedsQr(name: TransitionName, reason: string): void {
    this.qr = null;
    this.pairingUntil = null;
    this.authenticated = false;
    this.transition('needs_qr', name, reason);
  }

  /**
   * Resolves when the client is ready; rejects when it lands in `needs_qr` or
   * `error`, when the current attempt fails, or after `timeoutMs`.
   */
  whenReady(timeoutMs: number): Promise<void> {
    if (this.currentState === 'ready') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        if (error) reject(error);
        else resolve();
      };
      const waiter: StateWaiter = {
        onTransition: (to) => {
          if (to === 'ready') settle();
          else if (to === 'needs_qr' || to === 'error') settle(new TerminalStateReached(`The client went to ${to}.`));
        },
        onAttemptFailed: (error) => settle(error),
      };
      const timer = setTimeout(
        () => settle(new Error(`WhatsApp did not become ready within ${Math.round(timeoutMs / 1000)} s.`)),
        timeoutMs,
      );
      this.waiters.add(waiter);
    });
  }

  private attemptFailed(error: Error): void {
    for (const waiter of [...this.waiters]) waiter.onAttemptFailed(error);
  }

  // ── clients ───────────────────────────────────────────────────────────────

  private sinkFor(generation: number): DriverEventSink {
    const current = () => generation === this.generation && !this.closed;
    return {
      qr: (qr) => {
        if (!current()) return;
        if (this.startedBy === 'reconnect') {
          // The saved session is gone; no automatic restart can fix that.
          void this.stopClient();
          this.enterNeedsQr('session_lost_during_reconnect', 'WhatsApp asked for a new QR code while reconnecting: the session is no longer valid.');
          return;
        }
        this.qr = qr;
        this.log({ event: 'qr', index: qr.index, total: qr.total, expiresAt: qr.expiresAt });
        this.emit('qr', qr);
      },
      pairing: (until) => {
        if (!current()) return;
        this.pairingUntil = until;
        this.log({ event: 'pairing', until });
        this.emit('pairing', { until });
      },
      qrExhausted: () => {
        if (!current()) return;
        this.enterNeedsQr('qr_expired', 'The last QR code expired without being scanned.');
      },
      authenticated: () => {
        if (!current()) return;
        this.qr = null;
        this.pairingCode = null;
        this.pairing = null;
        this.pairingUntil = null;
        this.authenticated = true;
        this.log({ event: 'authenticated' });
        this.emit('authenticated', {});
      },
      contacts: (count, done) => {
        if (!current()) return;
        this.contacts = count;
        this.contactsDone = done;
        this.emit('contacts', { count, done });
      },
      ready: () => {
        if (!current()) return;
        this.qr = null;
        this.authenticated = true;
        this.transition('ready', 'client_ready');
        this.emit('ready', {});
      },
      disconnected: (reason, loggedOut) => {
        if (!current()) return;
        this.emit('disconnected', { reason });
        if (loggedOut) {
          void this.stopClient();
          this.enterNeedsQr('logged_out_from_phone', `WhatsApp logged this device out (${reason}). Scan a new code to link it again.`);
          return;
        }
        this.handleLinkLoss(reason);
      },
      authFailure: (message) => {
        if (!current()) return;
        void this.stopClient();
        this.enterNeedsQr('auth_failed', `WhatsApp refused the saved session (${message}). Scan a new code to link again.`);
      },
      message: (message) => {
        if (!current()) return;
        this.emit('message', { message });
      },
      ack: (messageId, ack) => {
        if (!current()) return;
        this.emit('message.ack', { messageId, ack });
      },
      pairingCode: (code, issuedAt, expiresAt) => {
        if (!current()) return;
        this.pairingCode = code;
        this.pairing = { code, issuedAt, expiresAt };
        this.qr = null;
        // The code itself is for the operator's screen only, never the log.
        this.log({ event: 'pairing_code', expiresAt });
        this.emit('code', { code, issuedAt, expiresAt });
      },
      loading: (percent) => {
        if (!current()) return;
        this.loadingPercent = percent;
        this.emit('loading', { percent });
      },
      waiting: (step) => {
        if (!current()) return;
        this.waitingFor = step;
        this.emit('waiting', { step });
      },
      note: (event, detail) => {
        if (!current()) return;
        this.log({ event, ...detail });
      },
    };
  }

  private newClient(): WhatsAppDriver {
    const generation = ++this.generation;
    this.driver = this.options.factory(this.sinkFor(generation));
    return this.driver;
  }

  private async stopClient(): Promise<void> {
    const driver = this.driver;
    this.generation++;
    this.driver = null;
    if (driver) await driver.destroy().catch((error: Error) => this.log({ event: 'destroy_failed', error: error.message }));
  }

  // ── operator actions ──────────────────────────────────────────────────────

  /**
   * Starts (or restarts, from `needs_qr`, `error` or `disconnected`) the client for
   * the operator. A ready client is left alone, and a start or reconnect already
   * under way is joined, not doubled.
   * Returns without waiting for the outcome: it arrives as events.
   */
  initialize(): SliceStatus {
    // Ready: nothing to do. Connecting (a code is on screen, or a session is being
    // restored) or reconnecting: join it; restarting would void the code shown.
    if (this.closed || this.isIn('ready', 'connecting') || this.operatorStart || this.reconnecting) return this.status();
    this.restartTimes = [];
    this.qr = null;
    this.pairingUntil = null;
    this.authenticated = false;
    this.contacts = 0;
    this.contactsDone = false;
    this.pairingCode = null;
    this.pairing = null;
    this.loadingPercent = null;
    this.waitingFor = null;
    this.startedBy = 'operator';
    this.transition('connecting', 'initialize_requested');
    this.operatorStart = (async () => {
      await this.stopClient();
      const driver = this.newClient();
      const generation = this.generation;
      try {
        await driver.initialize();
      } catch (error) {
        if (generation === this.generation && !this.closed) this.fail('initialize_failed', wordsOf(error, 'WhatsApp Web could not be started.'));
      }
    })().finally(() => {
      this.operatorStart = null;
    });
    return this.status();
  }

  async logout(): Promise<void> {
    const driver = this.driver;
    this.generation++;
    this.driver = null;
    if (driver) await driver.logout().catch((error: Error) => this.log({ event: 'logout_failed', error: error.message }));
    this.contacts = 0;
    this.contactsDone = false;
    this.enterNeedsQr('logout_requested', 'Logged out: scan a new code to link this account again.');
  }

  /**
   * Link by phone number instead of scanning: WhatsApp issues a code for the number
   * (digits only, validated by the server). Only while a code is on offer.
   */
  async requestPairingCode(phoneNumber: string): Promise<{ code: string; expiresAt: number }> {
    const driver = this.driver;
    if (this.currentState !== 'connecting' || !driver || this.authenticated || this.reconnecting) {
      throw new DriverNotReadyError(
        this.currentState === 'ready' ? 'This account is already linked.' : 'WhatsApp Web is not showing a code right now. Click Connect, wait for the QR code, then ask for a pairing code.',
      );
    }
    if (!driver.requestPairingCode) throw new DriverNotReadyError('This driver cannot link by phone number.');
    return driver.requestPairingCode(phoneNumber);
  }

  // ── liveness ──────────────────────────────────────────────────────────────

  private scheduleProbe(): void {
    const every = this.options.config.livenessProbeMs ?? 0;
    if (every <= 0 || this.closed) return;
    this.stopProbe();
    this.probeFailures = 0;
    const generation = this.generation;
    const tick = async () => {
      this.probeTimer = null;
      const driver = this.driver;
      if (this.closed || this.currentState !== 'ready' || generation !== this.generation || !driver?.probe) return;
      try {
        await driver.probe(Math.max(1, Math.floor(every / 2)));
        this.probeFailures = 0;
      } catch (error) {
        if (this.currentState !== 'ready' || generation !== this.generation) return;
        this.probeFailures++;
        const words = wordsOf(error, 'no answer');
        this.log({ event: 'liveness_probe_failed', failures: this.probeFailures, error: words });
        if (this.probeFailures >= 2) return this.deaf(words);
      }
      if (this.currentState === 'ready' && generation === this.generation) this.probeTimer = setTimeout(() => void tick(), Math.max(1, Math.ceil(every / 2)));
    };
    this.probeTimer = setTimeout(() => void tick(), Math.max(1, Math.ceil(every / 2)));
  }

  private stopProbe(): void {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
  }

  /** Ready but deaf: the page stopped answering; restart it like a dropped link. */
  private deaf(words: string): void {
    const reason = `WhatsApp Web stopped answering (${words}); restarting it`;
    this.log({ event: 'client_deaf', reason });
    this.emit('disconnected', { reason });
    if (this.reconnecting) return;
    this.transition('disconnected', 'client_deaf', reason);
    void this.reconnect();
  }

  // ── automatic reconnects ──────────────────────────────────────────────────

  private handleLinkLoss(reason: string): void {
    if (this.reconnecting) {
      // A client started by the ladder dropped again: that attempt failed.
      this.attemptFailed(new Error(`The link dropped again (${reason}).`));
      return;
    }
    this.transition('disconnected', 'link_lost', reason);
    void this.reconnect();
  }

  /**
   * Brings a dropped client back. Single-flight: concurrent callers share one ladder.
   * Resolves when the ladder ends (ready, `needs_qr` or `error`); never rejects.
   */
  reconnect(): Promise<void> {
    if (this.reconnecting) return this.reconnecting;
    if (this.currentState === 'ready' || this.currentState === 'needs_qr' || this.closed) return Promise.resolve();
    this.reconnecting = this.climbLadder().finally(() => {
      this.reconnecting = null;
    });
    return this.reconnecting;
  }

  private async climbLadder(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.closed || this.currentState === 'needs_qr') return;
      if (!this.takeRestartBudget()) {
        await this.stopClient();
        const minutes = Math.round(this.options.config.windowMs / 60_000);
        this.fail(
          'restart_limit_reached',
          `WhatsApp kept disconnecting: ${this.options.config.maxRestartsPerWindow} restarts within ${minutes} minute${minutes === 1 ? '' : 's'} did not bring it back. Click Connect to start it again.`,
        );
        return;
      }
      await this.backoff(this.options.config.restartBackoffMs * attempt);
      // The state may have moved while we waited (operator logout, shutdown).
      if (this.closed || this.isIn('needs_qr', 'error')) return;
      const hard = attempt > 1 || !this.driver;
      this.startedBy = 'reconnect';
      this.transition('connecting', hard ? 'reconnect_hard' : 'reconnect_soft', `attempt ${attempt}`);
      const ready = this.whenReady(this.options.config.readyTimeoutMs);
      ready.catch(() => undefined);
      try {
        if (hard) {
          await this.stopClient();
          await this.newClient().initialize();
        } else {
          const driver = this.driver!;
          const generation = this.generation;
          await driver.destroy();
          if (generation !== this.generation) throw new Error('The client was replaced during the restart.');
          await driver.initialize();
        }
        await ready;
        this.log({ event: 'reconnected', attempt, hard });
        return;
      } catch (error) {
        this.attemptFailed(error as Error);
        if (error instanceof TerminalStateReached || this.isIn('needs_qr', 'error')) return;
        this.log({ event: 'restart_failed', attempt, hard, error: wordsOf(error, 'unknown') });
      }
    }
  }

  private takeRestartBudget(): boolean {
    const now = Date.now();
    this.restartTimes = this.restartTimes.filter((at) => now - at < this.options.config.windowMs);
    if (this.restartTimes.length >= this.options.config.maxRestartsPerWindow) return false;
    this.restartTimes.push(now);
    this.restartCount++;
    return true;
  }

  private backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.backoffTimers.delete(timer);
        resolve();
      }, ms);
      this.backoffTimers.add(timer);
    });
  }

  // ── reading ───────────────────────────────────────────────────────────────

  /** One page of chats (the server bounds the query and the answer's size). */
  async chats(query: ChatsQuery): Promise<Chat[]> {
    return this.readyDriver().listChats(query);
  }

  /** One page of a chat's messages going back in time; null when there is no such chat. */
  async messages(chatId: string, query: MessagesQuery): Promise<ChatMessage[] | null> {
    return this.readyDriver().listMessages(chatId, query);
  }

  async media(chatId: string, messageId: string): Promise<MediaFile> {
    const driver = this.readyDriver();
    if (!driver.downloadMedia) throw new DriverNotReadyError('This driver cannot download media.');
    return driver.downloadMedia(chatId, messageId);
  }

  private readyDriver(): WhatsAppDriver {
    if (this.currentState !== 'ready' || !this.driver) throw new DriverNotReadyError(this.refusalFor(this.currentState));
    return this.driver;
  }

  // ── sending ───────────────────────────────────────────────────────────────

  /**
   * Sends now, or refuses and keeps nothing: WhatsApp's message id (`sent`), its words
   * (`failed`: it did not take the message), or DriverNotReadyError — a 409 `not_ready`
   * — when the client is not ready or its link dropped before the send reached WhatsApp
   * (the driver checks readiness before it calls into the page, so nothing was sent).
   * The host's outbox keeps a refused message and hands it over again on Ready; a queue
   * here would be a second owner of the same message.
   */
  async send(chatId: string, text: string): Promise<SliceSendResponse> {
    const driver = this.readyDriver();
    try {
      const message = await driver.sendText(chatId, text);
      return { status: 'sent', messageId: message.id, error: null };
    } catch (error) {
      if (error instanceof DriverNotReadyError) {
        this.log({ event: 'send_refused', reason: 'link_dropped' });
        throw new DriverNotReadyError('WhatsApp’s link dropped before the message was sent; nothing was sent. Send it again once the account is ready.');
      }
      return { status: 'failed', messageId: null, error: `WhatsApp did not take the message: ${wordsOf(error, 'unknown error')}. Try again.` };
    }
  }

  /** Plain words for why nothing can be sent or read in a state. */
  private refusalFor(state: InstanceState): string {
    switch (state) {
      case 'needs_qr':
        return 'This account is not linked: click Connect and scan the QR code with WhatsApp on the phone.';
      case 'error':
        return `WhatsApp stopped after an error${this.errorMessage ? ` (${this.errorMessage})` : ''}. Click Connect to start it again.`;
      case 'disconnected':
        return 'WhatsApp is not connected. Click Connect to start it.';
      case 'connecting':
        return 'WhatsApp is still connecting. Try again when the account is ready.';
      case 'ready':
        return 'WhatsApp is ready.';
    }
  }

  // ── shutdown ──────────────────────────────────────────────────────────────

  async close(): Promise<void> {
    this.closed = true;
    this.stopProbe();
    for (const timer of this.backoffTimers) clearTimeout(timer);
    this.backoffTimers.clear();
    for (const waiter of [...this.waiters]) waiter.onAttemptFailed(new Error('The slice is shutting down.'));
    await this.stopClient();
    this.listeners.clear();
  }
}

function wordsOf(error: unknown, fallback: string): string {
  return error instanceof Error && error.message ? error.message : fallback;
}
