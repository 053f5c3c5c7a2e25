/**
 * Bench rows for a big account (issue 18 part 1): 20,000 chats with 400-character last
 * messages and 50,000 contacts. Through the real core and a real slice container:
 * "chats page latency, big account" p50/p95 for the first page (50 chats) and for a search
 * that finds chat #19,990, the host's RSS and the slice's memory at Ready — for the
 * simulated WhatsApp, and for the real whatsapp-web.js 1.34.7 (Chromium slice image)
 * against the stand-in WhatsApp Web (test/standin-whatsapp), which builds the account in
 * its page. The target (first page ≤ 1 s) is marked, never enforced.
 *
 * `BENCH_ONLY=bigaccount npm run bench` runs this section alone.
 */
import { execFileSync } from 'node:child_process';
import Docker from 'dockerode';
import type { AppEvent } from '@shared/contract';
import type { SliceView } from '@shared/types';
import type { Core, CoreConfig } from '../src/main/core/index';
import { simulatedChatName } from '../src/slice/drivers/simulated';
import { bridgeGatewayAddress, SLICE_NETWORK } from '../test/standin-whatsapp/gateway';
import { StandinWhatsApp, standinChatName } from '../test/standin-whatsapp/server';
import { round, summarize, type Summary } from './stats';

const SIZE = { chats: 20_000, contacts: 50_000, lastMessageChars: 400 };
const REPS = Number(process.env.BENCH_BIG_REPS ?? 20);
const FIRST_PAGE_TARGET_MS = 1_000;

interface BenchCoreLike {
  core: Core;
  close(): Promise<void>;
}

export interface BigAccountDeps {
  makeCore(overrides: Partial<CoreConfig>): Promise<BenchCoreLike>;
  row(metric: string, value: string, target?: string, ok?: boolean): void;
  docker: Docker;
}

interface BigAccountResult {
  readyMs: number;
  contacts: number | undefined;
  firstPageMs: Summary;
  searchMs: Summary;
  hostRssMiB: number;
  sliceMemoryMiB: number | null;
}

function waitForView(core: Core, accountId: string, test: (view: SliceView) => boolean, timeoutMs: number): Promise<SliceView> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no matching view for ${accountId} within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = core.events.subscribe((event: AppEvent) => {
      if (event.type !== 'slice' || event.data.accountId !== accountId) return;
      if (test(event.data) || event.data.phase === 'error') {
        clearTimeout(timer);
        unsubscribe();
        if (test(event.data)) resolve(event.data);
        else reject(new Error(`the slice ended in error: ${event.data.error ?? 'no words'}`));
      }
    });
  });
}

async function sliceMemoryMiB(docker: Docker, core: Core): Promise<number | null> {
  const [container] = await docker.listContainers({ filters: { label: [`slicedeck.home=${core.homeId}`] } });
  if (!container) return null;
  const stats = (await docker.getContainer(container.Id).stats({ stream: false })) as { memory_stats?: { usage?: number; stats?: { cache?: number } } };
  const usage = stats.memory_stats?.usage;
  return usage === undefined ? null : round((usage - (stats.memory_stats?.stats?.cache ?? 0)) / 2 ** 20);
}

async function timed(reps: number, act: () => Promise<unknown>): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const started = performance.now();
    await act();
    samples.push(performance.now() - started);
  }
  return summarize(samples);
}

/** Connect → (scan) → Ready, then the page and search samples, then memory. */
async function measure(deps: BigAccountDeps, label: string, bench: BenchCoreLike, scan: (view: SliceView, accountId: string) => Promise<void>, targetName: string): Promise<BigAccountResult> {
  const { core } = bench;
  const account = await core.handlers['accounts.add']({ name: `big ${label}` });
  const started = performance.now();
  const code = waitForView(core, account.id, (v) => v.qr !== undefined, 180_000);
  await core.handlers['slices.connect']({ accountId: account.id });
  const ready = waitForView(core, account.id, (v) => v.stage === 'ready', 300_000);
  await scan(await code, account.id);
  const view = await ready;
  const readyMs = round(performance.now() - started);
  const firstPageMs = await timed(REPS, () => core.handlers['chats.list']({ accountId: account.id, limit: 50 }));
  const searchMs = await timed(REPS, async () => {
    const found = await core.handlers['chats.list']({ accountId: account.id, query: targetName });
    if (found[0]?.name !== targetName) throw new Error(`the search for ${targetName} found ${JSON.stringify(found.map((c) => c.name))}`);
  });
  const hostRssMiB = round(process.memoryUsage().rss / 2 ** 20);
  const slice = await sliceMemoryMiB(deps.docker, core);
  const { row } = deps;
  row(`${label}: Connect → Ready (ms)`, `${readyMs} (contacts ${view.contacts ?? '?'})`);
  row(`chats page latency, big account (20,000 chats), ${label}: first page (ms)`, `p50 ${firstPageMs.p50}  p95 ${firstPageMs.p95}`, `≤ ${FIRST_PAGE_TARGET_MS}`, firstPageMs.p95 <= FIRST_PAGE_TARGET_MS);
  row(`chats page latency, big account (20,000 chats), ${label}: search #19,990 (ms)`, `p50 ${searchMs.p50}  p95 ${searchMs.p95}`);
  row(`${label}: host RSS / slice memory at Ready (MiB)`, `${hostRssMiB} / ${slice ?? 'n/a'}`);
  return { readyMs, contacts: view.contacts, firstPageMs, searchMs, hostRssMiB, sliceMemoryMiB: slice };
}

export async function bigAccountFigures(deps: BigAccountDeps): Promise<Record<string, unknown>> {
  console.log(`\nBig account: ${SIZE.chats} chats (${SIZE.lastMessageChars}-character last messages), ${SIZE.contacts} contacts; ${REPS} samples each (BENCH_BIG_REPS)`);
  const out: Record<string, unknown> = {};
  const simulated = await deps.makeCore({ simChats: SIZE.chats, simContacts: SIZE.contacts, simLastMessageChars: SIZE.lastMessageChars, simContactIntervalMs: 5, sliceMemoryBytes: 512 * 2 ** 20 });
  try {
    out.simulated = await measure(deps, 'simulated', simulated, async (_view, accountId) => void (await simulated.core.handlers['sim.scan']({ accountId })), simulatedChatName(19_989));
  } finally {
    await simulated.close();
  }
  // The real library: the Chromium image, WhatsApp Web's address sent to the stand-in on this machine.
  let standin: StandinWhatsApp | null = null;
  let real: BenchCoreLike | null = null;
  try {
    const image = execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('./scripts/slice-image.mjs'); console.log((await m.ensureSliceImage({ withChromium: true, log() {} })).pinned);"], { encoding: 'utf8' }).trim();
    standin = await StandinWhatsApp.start({ host: await bridgeGatewayAddress(SLICE_NETWORK), codes: 3, firstCodeMs: 60_000, nextCodeMs: 20_000, syncMs: 1_500, size: SIZE });
    const instance = standin;
    real = await deps.makeCore({ driver: 'whatsapp-web.js', image, chromiumExtraArgs: instance.chromiumArgs(), qrTtlMs: 60_000, sliceMemoryBytes: 2 ** 30 });
    out.realLibrary = await measure(deps, 'real whatsapp-web.js vs stand-in', real, async (view) => void instance.scan(view.qr!.payload), standinChatName(19_989));
  } catch (error) {
    const failed = error instanceof Error ? error.message : String(error);
    deps.row('real whatsapp-web.js vs stand-in', `failed: ${failed}`);
    out.realLibrary = { failed };
  } finally {
    await real?.close();
    await standin?.close();
  }
  return out;
}
