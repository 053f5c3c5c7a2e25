/**
 * N real slices at once (issue 18): N accounts click Connect together through the core,
 * each slice running the real whatsapp-web.js in the Chromium image against the stand-in
 * WhatsApp Web on this machine (test/standin-whatsapp/) → wall time until every one shows
 * its first code; then each code is scanned → every one Ready, and each slice's memory at
 * Ready (docker stats: usage minus page cache). For scale: WAHA (the WhatsApp HTTP API)
 * states ~400 MB per session and ~50 sessions per server.
 *
 * BENCH_REAL_SLICES sets N (default 4: what a 2-core machine starts without thrashing).
 */
import type Docker from 'dockerode';
import type { SliceView } from '@shared/types';
import type { Core, CoreConfig } from '../src/main/core/index';
import { bridgeGatewayAddress, SLICE_NETWORK } from '../test/standin-whatsapp/gateway';
import { StandinWhatsApp } from '../test/standin-whatsapp/server';
import { round, summarize } from './stats';

export const REAL_SLICES_N = Number(process.env.BENCH_REAL_SLICES ?? 4);
/** WAHA's own sizing (their docs): for comparison only. */
const WAHA_MIB_PER_SESSION = Math.round((400 * 1e6) / 2 ** 20);

/** What bench.ts lends this section: its core maker, its table, its view waiter, its memory reading. */
export interface RealSlicesKit {
  chromiumImage: string;
  makeCore(overrides: Partial<CoreConfig>): Promise<{ core: Core; close(): Promise<void> }>;
  nextView(core: Core, accountId: string, predicate: (view: SliceView) => boolean, timeoutMs: number): Promise<SliceView>;
  containersOf(core: Core): Promise<Docker.ContainerInfo[]>;
  containerMemoryMiB(id: string): Promise<number>;
  row(metric: string, value: string, target?: string, ok?: boolean): void;
}

export async function realSlicesAtOnce(kit: RealSlicesKit, n = REAL_SLICES_N): Promise<Record<string, unknown>> {
  console.log(`\nReal slices: ${n} at once (real whatsapp-web.js, Chromium image, stand-in WhatsApp Web) — BENCH_REAL_SLICES`);
  const standin = await StandinWhatsApp.start({ host: await bridgeGatewayAddress(SLICE_NETWORK), codes: 3, firstCodeMs: 120_000, nextCodeMs: 60_000, syncMs: 1_000 });
  const bench = await kit.makeCore({
    driver: 'whatsapp-web.js',
    image: kit.chromiumImage,
    chromiumExtraArgs: standin.chromiumArgs(),
    qrTtlMs: 120_000,
    sliceMemoryBytes: 1024 * 2 ** 20,
  });
  try {
    const { core } = bench;
    const accounts = await Promise.all(Array.from({ length: n }, (_, i) => core.handlers['accounts.add']({ name: `real ${i + 1}` })));
    const started = performance.now();
    const firstCodes = Promise.all(accounts.map((a) => kit.nextView(core, a.id, (v) => v.qr !== undefined || v.phase === 'error', 300_000)));
    await Promise.all(accounts.map((a) => core.handlers['slices.connect']({ accountId: a.id })));
    const codes = await firstCodes;
    const allCodesMs = performance.now() - started;
    const failed = codes.find((view) => !view.qr);
    if (failed) throw new Error(`a real slice failed before its first code: ${failed.error ?? failed.stage}`);

    const scanned = performance.now();
    const ready = Promise.all(accounts.map((a) => kit.nextView(core, a.id, (v) => v.stage === 'ready' || v.phase === 'error', 300_000)));
    for (const view of codes) standin.scan(view.qr!.payload);
    const readyViews = await ready;
    const allReadyMs = performance.now() - scanned;
    const notReady = readyViews.find((view) => view.stage !== 'ready');
    if (notReady) throw new Error(`a real slice did not reach Ready: ${notReady.error ?? notReady.stage}`);

    const containers = (await kit.containersOf(core)).filter((c) => c.State === 'running');
    const memory = await Promise.all(containers.map((c) => kit.containerMemoryMiB(c.Id)));
    const perSlice = summarize(memory);
    const mean = memory.reduce((sum, m) => sum + m, 0) / Math.max(1, memory.length);
    kit.row(`${n} real slices at once → all first codes (ms)`, `${round(allCodesMs)}`);
    kit.row(`  then ${n} scans → all Ready (ms)`, `${round(allReadyMs)}`);
    kit.row('memory per real slice at Ready (MiB)', `mean ${round(mean)}, p50 ${perSlice.p50}, max ${perSlice.max} (${memory.map((m) => round(m)).join(', ')})`);
    kit.row('  WAHA, for comparison (their sizing)', `~${WAHA_MIB_PER_SESSION} MiB (400 MB) per session, ~50 sessions per server`);
    return { n, allFirstCodesMs: round(allCodesMs), allReadyAfterScanMs: round(allReadyMs), memoryAtReadyMiB: memory.map(round), meanMiB: round(mean), wahaMiBPerSession: WAHA_MIB_PER_SESSION };
  } finally {
    await bench.close();
    await standin.close();
  }
}
