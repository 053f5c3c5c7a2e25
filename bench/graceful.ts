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
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Docker from 'dockerode';
import type { AppEvent } from '@shared/contract';
import type { SliceView } from '@shared/types';
import type { Core, CoreConfig } from '../src/main/core/index';
import { coreInternals } from '../src/main/core/index';
import { CODES_OVER_WORDS } from '../src/main/core/slices/stage-clock';
import { loadConfig } from '../src/main/core/config';
import { bridgeGatewayAddress, SLICE_NETWORK } from '../test/standin-whatsapp/gateway';
import { StandinWhatsApp } from '../test/standin-whatsapp/server';
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
  /** The last code's expiry → the host has the slice's "codes over" (the rest of lastCodeToGoneMs is the removal). */
  expiryToDecisionMs: Summary;
  /** How many of the unscanned attempts the host ended on the slice's word (the rest: the backstop). */
  decidedBySlice: number;
  /** The real library in the Chromium image against the stand-in WhatsApp Web; absent with the reason. */
  real?: { destroyToGoneGracefulMs: Summary; destroyExitCodes: Record<string, number>; restoredWithoutCode: number; runs: number } | { absent: string };
}

/** How soon after Ready the real slice is destroyed: inside the seconds Chromium takes to commit localStorage. */
const REAL_DESTROY_AFTER_READY_MS = 500;

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
  const decision: number[] = [];
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
      const containerId = store.getSlice(account.id)!.sliceRef!;
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
      const containerId = store.getSlice(account.id)!.sliceRef!;
      // Watch Docker itself, every 5 ms, bounded.
      const deadline = Date.now() + 15_000;
      while (!(await containerGone(containerId))) {
        if (Date.now() > deadline) throw new Error('container still there 15 s after the last code expired');
        await new Promise((r) => setTimeout(r, 5));
      }
      expiry.push(Date.now() - view.qr!.expiresAt);
      const history = await bench.core.handlers['slices.history']({ accountId: account.id });
      const decided = history.find((h) => h.type === 'qr.expired');
      if (decided?.message === CODES_OVER_WORDS.slice) decidedBySlice++;
      // Where the time goes: the code's expiry → the host has the slice's word (and starts the removal).
      if (decided) decision.push(decided.at - view.qr!.expiresAt);
    }
  } finally {
    await bench.close();
  }
  const d = summarize(destroy);
  const e = summarize(expiry);
  const codes = Object.entries(exitCodes).map(([code, n]) => `exit ${code} ×${n}`).join(', ');
  deps.row(`Destroy → gone (graceful, grace ${stopGraceMs / 1000} s; simulated browser) (ms)`, `p50 ${d.p50}  p95 ${d.p95}  (${codes})`);
  const c = summarize(decision);
  deps.row('last code expired → gone (unscanned) (ms)', `p50 ${e.p50}  max ${e.max}  (slice decided ${decidedBySlice}/${reps})`, '≤ 300 ms', e.max <= 300);
  deps.row('  of which: expiry → the host has the slice’s word (ms)', `p50 ${c.p50}  max ${c.max}`);
  const real = await realDestroyFigures(deps, Math.max(3, Math.round(reps / 2))).catch((error: unknown) => {
    const absent = error instanceof Error ? error.message : String(error);
    deps.row('Destroy → gone (graceful; real Chromium)', `failed: ${absent}`);
    return { absent };
  });
  return { stopGraceMs, destroyToGoneGracefulMs: d, destroyExitCodes: exitCodes, lastCodeToGoneMs: e, expiryToDecisionMs: c, decidedBySlice, real };
}

/**
 * The same Destroy with a real browser to close: the real whatsapp-web.js in the Chromium image,
 * against the stand-in WhatsApp Web (its link in localStorage), destroyed 0.5 s after Ready; then
 * Connect again, counting the sessions restored without a code.
 */
async function realDestroyFigures(deps: GracefulBenchDeps, runs: number): Promise<NonNullable<GracefulFigures['real']>> {
  const script = pathToFileURL(resolve(process.cwd(), 'scripts/slice-image.mjs')).href;
  const { ensureSliceImage } = (await import(script)) as { ensureSliceImage(opts: { withChromium: boolean; log(line: string): void }): Promise<{ pinned: string }> };
  const { pinned: image } = await ensureSliceImage({ withChromium: true, log: () => undefined });
  const standin = await StandinWhatsApp.start({ host: await bridgeGatewayAddress(SLICE_NETWORK), codes: 3, firstCodeMs: 30_000, nextCodeMs: 20_000, syncMs: 1_000 });
  const { chromiumExtraArgs } = loadConfig({ HOME: '/nowhere', SLICEDECK_CHROMIUM_ARGS: JSON.stringify(standin.chromiumArgs()) });
  const bench = await deps.makeCore({ driver: 'whatsapp-web.js', image, chromiumExtraArgs, qrTtlMs: 30_000, sliceMemoryBytes: 1024 * 1024 * 1024 });
  const destroy: number[] = [];
  const exitCodes: Record<string, number> = {};
  let restored = 0;
  try {
    const { store } = coreInternals(bench.core);
    for (let i = 0; i < runs; i++) {
      const account = await bench.core.handlers['accounts.add']({ name: `real ${i}` });
      const code = nextView(bench.core, account.id, (v) => v.stage === 'qr' && v.qr !== undefined, 120_000);
      await bench.core.handlers['slices.connect']({ accountId: account.id });
      const ready = nextView(bench.core, account.id, (v) => v.stage === 'ready', 90_000);
      standin.scan((await code).qr!.payload);
      await ready;
      await new Promise((r) => setTimeout(r, REAL_DESTROY_AFTER_READY_MS));
      const containerId = store.getSlice(account.id)!.sliceRef!;
      const died = await exitCodeOf(containerId);
      const at = performance.now();
      await bench.core.handlers['slices.destroy']({ accountId: account.id });
      destroy.push(performance.now() - at);
      const exit = await died.exitCode;
      died.stop();
      exitCodes[String(exit)] = (exitCodes[String(exit)] ?? 0) + 1;
      // Connect again: Ready from the saved session, or a code (the session was lost).
      const settled = nextView(bench.core, account.id, (v) => v.stage === 'ready' || v.stage === 'qr' || v.stage === 'error', 120_000);
      await bench.core.handlers['slices.connect']({ accountId: account.id });
      if ((await settled).stage === 'ready') restored++;
      await bench.core.handlers['accounts.remove']({ accountId: account.id });
    }
  } finally {
    await bench.close();
    await standin.close();
  }
  const d = summarize(destroy);
  const codes = Object.entries(exitCodes).map(([code, n]) => `exit ${code} ×${n}`).join(', ');
  deps.row(`Destroy → gone (graceful, grace ${bench.core.config.stopGraceMs / 1000} s; real Chromium, 0.5 s after Ready) (ms)`, `p50 ${d.p50}  p95 ${d.p95}  (${codes})`);
  deps.row('  then Connect: restored without a code', `${restored}/${runs}`, `${runs}/${runs}`, restored === runs);
  return { destroyToGoneGracefulMs: d, destroyExitCodes: exitCodes, restoredWithoutCode: restored, runs };
}
