/**
 * Docker stats for the Dashboard, sampled only while someone looks.
 *
 * `request()` (the `slices.stats` command) marks interest for `statsInterestMs`;
 * while interest lasts and a slice exists, a round runs at most every
 * `statsIntervalMs` (the next round starts `interval` after the previous one
 * started, or when it ended if it ran longer), sampling every slice in parallel
 * with a per-call timeout, and emits `stats`. Nobody asking, or no slice
 * running, means no calls to the engine at all. Engine failures are logged and
 * that round is skipped; they never escape.
 */
import type { Logger } from 'pino';
import { isSlicedeckError } from '@shared/errors';
import { isTerminalStage } from '@shared/stages';
import type { EpochMs, MemorySample, SliceStats } from '@shared/types';
import type { SliceRow, Store } from '../db/store';
import { StatsUnavailableError, type SliceRuntime } from '../docker/runtime';
import type { EventBus } from '../events';
import { cpuPercent, memoryInUse, memoryLimit } from './docker-stats';
import { RingBuffer } from './ring-buffer';

/** Longest wait for one container's stats; the engine itself spends ~1 s collecting a reading. */
export const STATS_CALL_TIMEOUT_MS = 5_000;

export interface StatsSamplerOptions {
  store: Store;
  runtime: SliceRuntime;
  bus: EventBus;
  logger: Logger;
  intervalMs: number;
  interestMs: number;
  historySize: number;
  callTimeoutMs?: number;
  now?: () => EpochMs;
}

/** A slice row the host means to be running, with a container to ask about. */
type Candidate = SliceRow & { sliceId: string; sliceRef: string };

function isCandidate(row: SliceRow): row is Candidate {
  return row.sliceId !== null && row.sliceRef !== null && !isTerminalStage(row.stage);
}

export class StatsSampler {
  private readonly histories = new Map<string, RingBuffer<MemorySample>>();
  private snapshot: SliceStats[] = [];
  private snapshotAt: EpochMs | null = null;
  private interestedUntil: EpochMs = 0;
  private lastRoundStartedAt: EpochMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<SliceStats[]> | null = null;
  private idleWaiters: (() => void)[] = [];
  private unsubscribe: (() => void) | null = null;
  private closed = false;
  /** Counted for tests and the bench: proof that nobody asking means no engine traffic. */
  readonly counters = { rounds: 0, engineCalls: 0 };

  constructor(private readonly opts: StatsSamplerOptions) {}

  private now(): EpochMs {
    return (this.opts.now ?? Date.now)();
  }

  /** Listens for slice changes, so a slice connected while the Dashboard is open starts the sampling again. */
  start(): void {
    if (this.unsubscribe || this.closed) return;
    this.unsubscribe = this.opts.bus.subscribe((event) => {
      if (event.type === 'slice') this.schedule();
    });
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.round;
    this.settleIdle();
  }

  /** The `slices.stats` command: marks interest and answers with a reading no older than one interval. */
  async request(): Promise<SliceStats[]> {
    this.interestedUntil = this.now() + this.opts.interestMs;
    const fresh = this.snapshotAt !== null && this.now() - this.snapshotAt < this.opts.intervalMs;
    if (this.closed || (fresh && !this.round)) {
      this.schedule();
      return this.current(this.snapshot);
    }
    return this.current(await this.runRound());
  }

  /** True while a round runs or is scheduled. */
  get active(): boolean {
    return this.timer !== null || this.round !== null;
  }

  /** Resolves once no round runs or is scheduled (interest lapsed, no slice left, or stopped). */
  whenIdle(): Promise<void> {
    if (!this.active) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private candidates(): Candidate[] {
    return this.opts.store.listSlices().filter(isCandidate);
  }

  /** Entries of slices destroyed since they were sampled are dropped, so a Destroy shows at once. */
  private current(entries: SliceStats[]): SliceStats[] {
    const live = new Set(this.candidates().map((row) => row.sliceId));
    return entries.filter((entry) => live.has(entry.sliceId));
  }

  private schedule(): void {
    if (this.closed || this.timer || this.round) return;
    const interested = this.now() < this.interestedUntil;
    // One more (engine-free) round after the last slice went, so the page hears the empty list.
    const work = this.candidates().length > 0 || this.snapshot.length > 0;
    if (!interested || !work) {
      this.settleIdle();
      return;
    }
    const delay = Math.max(0, this.lastRoundStartedAt + this.opts.intervalMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runRound();
    }, delay);
    this.timer.unref();
  }

  private settleIdle(): void {
    if (this.active) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Single-flight: a request during a round joins it. */
  private runRound(): Promise<SliceStats[]> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.round ??= this.sampleAll()
      .then((entries) => {
        this.snapshot = entries;
        this.snapshotAt = this.now();
        this.opts.bus.emit('stats', entries);
        return entries;
      })
      .catch((err: unknown) => {
        this.opts.logger.warn({ err }, 'stats round skipped: Docker did not answer');
        return this.snapshot;
      })
      .finally(() => {
        this.round = null;
        this.schedule();
      });
    return this.round;
  }

  private async sampleAll(): Promise<SliceStats[]> {
    this.lastRoundStartedAt = this.now();
    this.counters.rounds += 1;
    const rows = this.candidates();
    const results = await Promise.allSettled(rows.map((row) => this.sampleOne(row)));
    const unreachable = results.find((r) => r.status === 'rejected' && isSlicedeckError(r.reason) && r.reason.code === 'docker_unreachable');
    if (unreachable) throw (unreachable as PromiseRejectedResult).reason;

    const previous = new Map(this.snapshot.map((entry) => [entry.sliceId, entry]));
    const entries: SliceStats[] = [];
    results.forEach((result, i) => {
      const row = rows[i]!;
      if (result.status === 'fulfilled') {
        if (result.value) entries.push(result.value);
        return;
      }
      // One slow or odd container must not blank the others: keep its last reading (its sampledAt shows the age).
      this.opts.logger.debug({ err: result.reason, accountId: row.accountId }, 'stats of one slice skipped this round');
      const last = previous.get(row.sliceId);
      if (last) entries.push(last);
    });
    // Histories of slices that are gone would otherwise pile up over a long session.
    const live = new Set(rows.map((row) => row.sliceId));
    for (const sliceId of this.histories.keys()) if (!live.has(sliceId)) this.histories.delete(sliceId);
    return entries;
  }

  /** null when the container is gone (the reconciler and health monitor deal with that). */
  private async sampleOne(row: Candidate): Promise<SliceStats | null> {
    const { runtime } = this.opts;
    this.counters.engineCalls += 1;
    const state = await runtime.inspect(row.sliceRef);
    if (!state) return null;
    let raw = null;
    let unavailable: string | null = null;
    if (state.running) {
      this.counters.engineCalls += 1;
      try {
        raw = await runtime.stats(row.sliceRef, { timeoutMs: this.opts.callTimeoutMs ?? STATS_CALL_TIMEOUT_MS });
        if (!raw) return null;
      } catch (error) {
        // It runs where this host cannot look (a swarm node): the row says so, with no figures rather than zeros.
        if (!(error instanceof StatsUnavailableError)) throw error;
        unavailable = error.message;
      }
    }
    const sampledAt = this.now();
    const memoryBytes = raw ? memoryInUse(raw) : null;
    const history = this.historyOf(row.sliceId);
    if (memoryBytes !== null) history.push({ at: sampledAt, bytes: memoryBytes });
    const startedAt = state.running ? state.startedAt : null;
    return {
      accountId: row.accountId,
      sliceId: row.sliceId,
      sliceRef: row.sliceRef,
      startedAt,
      uptimeMs: startedAt !== null ? Math.max(0, sampledAt - startedAt) : null,
      cpuPercent: raw ? cpuPercent(raw) : null,
      memoryBytes,
      memoryLimitBytes: raw ? memoryLimit(raw) : null,
      memoryHistory: history.toArray(),
      restarts: row.restarts,
      sampledAt,
      ...(unavailable ? { unavailable } : {}),
    };
  }

  private historyOf(sliceId: string): RingBuffer<MemorySample> {
    let history = this.histories.get(sliceId);
    if (!history) {
      history = new RingBuffer<MemorySample>(this.opts.historySize);
      this.histories.set(sliceId, history);
    }
    return history;
  }
}
