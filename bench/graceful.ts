/**
 * The ends of a slice (issue 18 part 2): what a graceful end costs, and how soon an
 * unscanned attempt is gone.
 *
 * - Destroy → gone (graceful): a Ready slice (it may hold a session) is stopped the way a
 *   person closes a browser — SIGTERM, the slice closes its client and browser, then the
 *   container is removed; SIGKILL only after SLICEDECK_STOP_GRACE_MS (stated in the row).
 *   Each sample also says how the slice ended (its exit code: 0 = it closed itself).
 * - Last code expired → gone (unscanned): from the last code's expiry to the container
 *   gone, when no phone is logging in; the host acts on the slice's own "codes over"
 *   (History `qr.expired` says who decided; the backstop would add seconds).
 */
import Docker from 'dockerode';
import type { AppEvent } from '@shared/contract';
import type { SliceView } from '@shared/types';
import type { Core, CoreConfig } from '../src/main/core/index';
import { coreInternals } from '../src/main/core/index';
import { CODES_OVER_WORDS } from '../src/main/core/slices/stage-clock';
import { summarize, type Summary } from './stats';

export interface GracefulBenchDeps {
  makeCore(overrides?: Partial<CoreConfig>): Promise<{ core: Core; close(): Promise<void> }>;
  row(metric: string, value: string, target?: string, ok?: boolean): void;
  reps: number;
}

export interface GracefulFigures {
  stopGraceMs: number;
  destroyToGoneGracefulMs: Summary;
  /** Exit codes of the destroyed slices (0: closed itself on SIGTERM; 137: killed after the grace). */
  destroyExitCodes: Record<string, number>;
  lastCodeToGoneMs: Summary;
  /** How many of the unscanned attempts the host ended on the slice's word (the rest: the backstop). */
  decidedBySlice: number;
}

const docker = new Docker();

function nextView(core: Core, accountId: string, test: (view: SliceView) => boolean, timeoutMs = 60_000): Promise<SliceView> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (unsubscribe(), reject(new Error(`no matching view for ${accountId} within ${timeoutMs} ms`))), timeoutMs);
    const unsubscribe = core.events.subscribe((event: AppEvent) => {
      if (event.type === 'slice' && event.data.accountId === accountId && test(event.data)) {
        clearTimeout(timer);
        unsubscribe();
        resolve(event.data);
      }
    });
  });
}

/** Resolves with the exit code the container's run died with (from the engine's events), bounded. */
async function exitCodeOf(containerId: string, timeoutMs = 60_000): Promise<{ exitCode: Promise<number | null>; stop(): void }> {
  const stream = (await docker.getEvents({ filters: { type: ['container'], event: ['die'], container: [containerId] } })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  const exitCode = new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    stream.on('data', (chunk: Buffer) => {
      const event = JSON.parse(chunk.toString('utf8').split('\n')[0]!) as { Actor?: { Attributes?: { exitCode?: string } } };
      clearTimeout(timer);
      resolve(Number(event.Actor?.Attributes?.exitCode ?? NaN));
    });
  });
  return { exitCode, stop: () => stream.destroy() };
}

async function containerGone(id: string): Promise<boolean> {
  return docker
    .getContainer(id)
    .inspect()
    .then(() => false)
    .catch(() => true);
}

export async function gracefulFigures(deps: GracefulBenchDeps): Promise<GracefulFigures> {
  const reps = Math.max(3, Math.round(deps.reps / 2));
  console.log(`\nThe ends of a slice: Destroy of a Ready slice (graceful) and the last code unscanned, ${reps} runs each`);
  const bench = await deps.makeCore({ qrTtlMs: 400, qrCodes: 3, simContacts: 5, simContactIntervalMs: 10, simLinkDelayMs: 50 });
  const stopGraceMs = bench.core.config.stopGraceMs;
  const destroy: number[] = [];
  const exitCodes: Record<string, number> = {};
  const expiry: number[] = [];
  let decidedBySlice = 0;
  try {
    const { store } = coreInternals(bench.core);
    for (let i = 0; i <= reps; i++) {
      // A linked slice: Connect → code → scan (simulated phone) → Ready.
      const account = await bench.core.handlers['accounts.add']({ name: `graceful ${i}` });
      const shown = nextView(bench.core, account.id, (v) => v.stage === 'qr');
      await bench.core.handlers['slices.connect']({ accountId: account.id });
      await shown;
      const ready = nextView(bench.core, account.id, (v) => v.stage === 'ready');
      await bench.core.handlers['sim.scan']({ accountId: account.id });
      await ready;
      const containerId = store.getSlice(account.id)!.containerId!;
      const died = await exitCodeOf(containerId);
      const at = performance.now();
      await bench.core.handlers['slices.destroy']({ accountId: account.id });
      const ms = performance.now() - at;
      if (!(await containerGone(containerId))) throw new Error('Destroy returned but the container is still there');
      const code = await died.exitCode;
      died.stop();
      if (i === 0) continue; // warm-up
      destroy.push(ms);
      exitCodes[String(code)] = (exitCodes[String(code)] ?? 0) + 1;
    }
    for (let i = 0; i < reps; i++) {
      const account = await bench.core.handlers['accounts.add']({ name: `unscanned ${i}` });
      const lastCode = nextView(bench.core, account.id, (v) => v.qr !== undefined && v.qr.index === v.qr.total);
      await bench.core.handlers['slices.connect']({ accountId: account.id });
      const view = await lastCode;
      const containerId = store.getSlice(account.id)!.containerId!;
      // Watch Docker itself, every 5 ms, bounded.
      const deadline = Date.now() + 15_000;
      while (!(await containerGone(containerId))) {
        if (Date.now() > deadline) throw new Error('container still there 15 s after the last code expired');
        await new Promise((r) => setTimeout(r, 5));
      }
      expiry.push(Date.now() - view.qr!.expiresAt);
      const history = await bench.core.handlers['slices.history']({ accountId: account.id });
      if (history.some((h) => h.type === 'qr.expired' && h.message === CODES_OVER_WORDS.slice)) decidedBySlice++;
    }
  } finally {
    await bench.close();
  }
  const d = summarize(destroy);
  const e = summarize(expiry);
  const codes = Object.entries(exitCodes).map(([code, n]) => `exit ${code} ×${n}`).join(', ');
  deps.row(`Destroy → gone (graceful, grace ${stopGraceMs / 1000} s; simulated browser) (ms)`, `p50 ${d.p50}  p95 ${d.p95}  (${codes})`);
  deps.row('last code expired → gone (unscanned) (ms)', `p50 ${e.p50}  max ${e.max}  (slice decided ${decidedBySlice}/${reps})`, '≤ 300 ms', e.max <= 300);
  return { stopGraceMs, destroyToGoneGracefulMs: d, destroyExitCodes: exitCodes, lastCodeToGoneMs: e, decidedBySlice };
}
