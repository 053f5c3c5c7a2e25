/**
 * `npm run bench`: slicedeck's promises (PRODUCT §5) measured against the real
 * engine and the real slice image, side by side with bare Docker in the same run.
 *
 * Every scenario uses its own throwaway data dir and removes what it made.
 * Figures are printed as a table and written to bench/results.json. No figure fails the
 * run: targets are marked ✓/✗, and the JSON keeps every sample's summary.
 *
 * Both runtimes: one engine (the main Docker engine), and — where the private swarm can run
 * (root, Linux) — the swarm of `npm run swarm:up`, leased as the tests lease it
 * (bench/swarm-figures.ts); elsewhere the swarm figures are absent and the table says why.
 * For each runtime, the crowd baseline (bench/crowd.ts): N bare starts at once against N
 * connects at once through the core, same run.
 *
 * Host ports 52000–53999: away from the product's 47100–47299, the e2e servers' 47600–47699
 * and the integration tests' 48000–51999 (other runs on this machine may be using those).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import Docker from 'dockerode';
import { SLICE_ENV, SLICE_INTERNAL_PORT } from '@shared/slice-protocol';
import type { AppEvent } from '@shared/contract';
import type { SliceView } from '@shared/types';
import { createCore, loadConfig, type Core, type CoreConfig } from '../src/main/core/index';
import { startWebServer } from '../src/main/transport/web';
import { summarize, round, type Summary } from './stats';
import { waitFor200 } from './http-wait';
import { SseParser } from '../src/main/core/sse-parser';
import { HEALTH_POLL_INTERVAL_MS } from '../src/main/core/slice-client';
import { SwarmRuntime } from '../src/main/core/docker/swarm-runtime';
import { crowdLine, crowdRounds, type CrowdResult } from './crowd';
import { mediaFigures } from './media';
import { bigAccountFigures } from './big-account';
import { floodFigures } from './floods';
import { gracefulFigures, type GracefulFigures } from './graceful';
import { MANAGER_SOCKET, leaseBenchSwarm, releaseBenchSwarm, swarmAbsentReason, swarmCrowd, swarmPairs } from './swarm-figures';
import { realSlicesAtOnce } from './real-slices';
import { webhookFigures } from './webhooks';

const REPS = Number(process.env.BENCH_REPS ?? 12);
/** The crowd: N at once (8 fits a 2-core machine), over this many rounds after a warm-up round. */
const CROWD_N = Number(process.env.BENCH_CROWD ?? 8);
const CROWD_ROUNDS = Number(process.env.BENCH_CROWD_ROUNDS ?? 3);
const SWARM_REPS = Number(process.env.BENCH_SWARM_REPS ?? 8);
/** BENCH_ONLY=crowd,swarm runs only those sections (pairs, expiry, concurrent, crowd, latency, memory, media, real, bigaccount, floods, webhooks, swarm); all by default. */
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const runs = (section: string) => ONLY.length === 0 || ONLY.includes(section);
/**
 * The slice image's content tag (`slicedeck-slice:<hash12>`), which never moves once made:
 * `:latest` moves whenever another checkout builds, and is never loaded into the swarm's nodes.
 * Found in a child: slice-image.mjs finds the repository from its own path, which bundling moves.
 */
const IMAGE =
  process.env.SLICEDECK_IMAGE ??
  execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('./scripts/slice-image.mjs'); console.log((await m.ensureSliceImage({ log() {} })).pinned);"], {
    encoding: 'utf8',
  }).trim();
const docker = new Docker();
const results: Record<string, unknown> = {};
const table: { metric: string; value: string; target?: string; ok?: boolean }[] = [];

function row(metric: string, value: string, target?: string, ok?: boolean) {
  table.push({ metric, value, target, ok });
  const mark = ok === undefined ? '' : ok ? '  ✓' : '  ✗';
  console.log(`  ${metric.padEnd(58)} ${value.padEnd(34)} ${target ?? ''}${mark}`);
}

// ── a core in a throwaway data dir ──────────────────────────────────────────

interface BenchCore {
  core: Core;
  dir: string;
  close(): Promise<void>;
}

let portBase = 52_000;
/** A core in a throwaway data dir; `swarm` puts it on the private swarm's manager. */
async function makeCore(overrides: Partial<CoreConfig> = {}, span = 40, swarm = false): Promise<BenchCore> {
  const dir = mkdtempSync(join(tmpdir(), 'slicedeck-bench-'));
  const from = portBase;
  portBase += span;
  const config = loadConfig(
    // SLICEDECK_VOLUME_NOEXEC passes through, to compare the connect rows with and without noexec volumes.
    { SLICEDECK_DATA_DIR: dir, SLICEDECK_DRIVER: 'simulated', SLICEDECK_IMAGE: IMAGE, SLICEDECK_LOG_LEVEL: 'warn', ...(process.env.SLICEDECK_VOLUME_NOEXEC ? { SLICEDECK_VOLUME_NOEXEC: process.env.SLICEDECK_VOLUME_NOEXEC } : {}) },
    // A bench that shortens the codes shortens the first one too (WhatsApp's is 60 s by default).
    { portRange: { from, to: from + span - 1 }, reconcileIntervalMs: 0, ...(overrides.qrTtlMs ? { qrFirstTtlMs: overrides.qrTtlMs } : {}), ...overrides },
  );
  const core = await createCore({ config: swarm ? { ...config, runtime: 'swarm' } : config, ...(swarm ? { docker: { socketPath: MANAGER_SOCKET } } : {}) });
  return {
    core,
    dir,
    async close() {
      await core.close({ destroySlices: true });
      if (swarm) await removeSwarmHome(core.homeId);
      else await removeByLabel(`slicedeck.home=${core.homeId}`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function removeByLabel(label: string) {
  const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  const volumes = (await docker.listVolumes({ filters: { label: [label] } })).Volumes ?? [];
  await Promise.all(volumes.map((v) => docker.getVolume(v.Name).remove().catch(() => undefined)));
}

/** What a bench core left on the swarm: its services, and its volumes on every node. */
async function removeSwarmHome(homeId: string) {
  const runtime = new SwarmRuntime({ socketPath: MANAGER_SOCKET });
  for (const slice of await runtime.listManaged(homeId)) await runtime.remove(slice.ref).catch(() => undefined);
  for (const volume of await runtime.listVolumes(homeId).catch(() => [])) await runtime.removeVolume(volume.name).catch(() => undefined);
}

/** Resolves with the first slice view for `accountId` that satisfies `predicate`. */
function nextView(core: Core, accountId: string, predicate: (view: SliceView) => boolean, timeoutMs = 30_000): Promise<SliceView> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no matching slice view for ${accountId} within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = core.events.subscribe((event: AppEvent) => {
      if (event.type === 'slice' && event.data.accountId === accountId && predicate(event.data)) {
        clearTimeout(timer);
        unsubscribe();
        resolvePromise(event.data);
      }
    });
  });
}

async function containerGone(id: string): Promise<boolean> {
  try {
    await docker.getContainer(id).inspect();
    return false;
  } catch {
    return true;
  }
}

async function containersOf(core: Core): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`slicedeck.home=${core.homeId}`] } });
}

// ── scenarios ───────────────────────────────────────────────────────────────

/**
 * A slice container started straight through Docker, as `docker run -p 127.0.0.1:PORT:8080`
 * would, waited on until its first healthy answer (at the host's own poll step, so
 * pairs compare like with like). The caller does its measuring, then `remove()`s it.
 */
async function runBareSlice(image: string, driver: string, port: number): Promise<Docker.Container> {
  const container = await docker.createContainer({
    Image: image,
    Env: [`${SLICE_ENV.token}=${randomBytes(16).toString('hex')}`, `${SLICE_ENV.driver}=${driver}`],
    ExposedPorts: { [`${SLICE_INTERNAL_PORT}/tcp`]: {} },
    Labels: { 'slicedeck.bench': 'baseline' },
    HostConfig: { PortBindings: { [`${SLICE_INTERNAL_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(port) }] } },
  });
  try {
    await container.start();
    await waitFor200(port, '/health', 30_000, HEALTH_POLL_INTERVAL_MS);
    return container;
  } catch (error) {
    await container.remove({ force: true });
    throw error;
  }
}

/** Bare `docker run` of the same image with the same publishing, to the first healthy answer. */
async function bareDockerRunToHealthy(port: number): Promise<number> {
  const started = performance.now();
  const container = await runBareSlice(IMAGE, 'simulated', port);
  const elapsed = performance.now() - started;
  await container.remove({ force: true });
  return elapsed;
}

async function connectPairs() {
  console.log(`\nClick → healthy and click → first QR, ${REPS} pairs (bare docker run first in each pair)`);
  const bench = await makeCore();
  const baseline: number[] = [];
  const healthy: number[] = [];
  const firstQr: number[] = [];
  const destroyGone: number[] = [];
  const ratios: number[] = [];
  const stageMs = new Map<string, number[]>();
  try {
    // One unmeasured warm-up of each path (first container start pays page-cache costs).
    await bareDockerRunToHealthy(53_990);
    for (let i = 0; i <= REPS; i++) {
      const base = await bareDockerRunToHealthy(53_990);
      const account = await bench.core.handlers['accounts.add']({ name: `bench ${i}` });
      const clickedAt = performance.now();
      const sawHealthy = nextView(bench.core, account.id, (v) => v.stage === 'initializing').then(() => performance.now() - clickedAt);
      const sawQr = nextView(bench.core, account.id, (v) => v.qr !== undefined).then(() => performance.now() - clickedAt);
      const stops = recordStageStarts(bench.core, account.id);
      await bench.core.handlers['slices.connect']({ accountId: account.id });
      const [h, q] = await Promise.all([sawHealthy, sawQr]);
      const starts = stops();
      const [container] = await containersOf(bench.core);
      const destroyAt = performance.now();
      await bench.core.handlers['slices.destroy']({ accountId: account.id });
      const gone = container ? await containerGone(container.Id) : false;
      const destroyMs = performance.now() - destroyAt;
      if (!gone) throw new Error('destroy returned but the container is still there');
      if (i === 0) continue; // warm-up pair
      baseline.push(base);
      healthy.push(h);
      firstQr.push(q);
      destroyGone.push(destroyMs);
      ratios.push(h / base);
      for (let k = 0; k + 1 < starts.length; k++) {
        const [stage, at] = starts[k]!;
        const list = stageMs.get(stage) ?? [];
        list.push(starts[k + 1]![1] - at);
        stageMs.set(stage, list);
      }
    }
  } finally {
    await bench.close();
  }
  const b = summarize(baseline);
  const h = summarize(healthy);
  const q = summarize(firstQr);
  const r = summarize(ratios);
  const d = summarize(destroyGone);
  row('baseline: docker run → first 200 (ms)', `p50 ${b.p50}  p95 ${b.p95}`);
  row('click → slice healthy (ms)', `p50 ${h.p50}  p95 ${h.p95}`);
  row('  ratio to baseline, pair by pair', `p50 ${round(r.p50, 2)}×  p95 ${round(r.p95, 2)}×`, '≤ 1.25× (p50)', r.p50 <= 1.25);
  row('click → first QR event (ms, simulated)', `p50 ${q.p50}  p95 ${q.p95}`, '≤ 1000 ms (p50)', q.p50 <= 1000);
  row('destroy → container gone (ms)', `p50 ${d.p50}  p95 ${d.p95}`);
  results.baselineDockerRunToHealthyMs = b;
  results.clickToHealthyMs = h;
  results.clickToHealthyRatio = r;
  results.clickToFirstQrMs = q;
  results.destroyToGoneMs = d;
  // Where the click's time goes: each stage's duration, from the host's own stage timestamps.
  const profile: Record<string, number> = {};
  for (const [stage, samples] of stageMs) profile[stage] = summarize(samples).p50;
  row('  connect profile, p50 ms per stage', Object.entries(profile).map(([k, v]) => `${k} ${v}`).join(', '));
  results.connectStageProfileP50Ms = profile;
}

/** Collects [stage, stageStartedAt] for an account until the first QR; returns a stop function. */
function recordStageStarts(core: Core, accountId: string): () => [string, number][] {
  const starts: [string, number][] = [];
  const unsubscribe = core.events.subscribe((event: AppEvent) => {
    if (event.type !== 'slice' || event.data.accountId !== accountId || event.data.stageStartedAt === null) return;
    const last = starts[starts.length - 1];
    if (!last || last[0] !== event.data.stage) starts.push([event.data.stage, event.data.stageStartedAt]);
  });
  return () => {
    unsubscribe();
    return starts;
  };
}

async function concurrentConnects(count: number) {
  const bench = await makeCore({}, Math.max(40, count * 2));
  try {
    const accounts = await Promise.all(
      Array.from({ length: count }, (_, i) => bench.core.handlers['accounts.add']({ name: `crowd ${i}` })),
    );
    const started = performance.now();
    const allQr = Promise.all(accounts.map((a) => nextView(bench.core, a.id, (v) => v.qr !== undefined, 120_000)));
    const outcomes = await Promise.allSettled(accounts.map((a) => bench.core.handlers['slices.connect']({ accountId: a.id })));
    const failures = outcomes.filter((o) => o.status === 'rejected').length;
    let wallMs = Number.NaN;
    if (failures === 0) {
      await allQr;
      wallMs = performance.now() - started;
    }
    const containers = await containersOf(bench.core);
    const ports = containers.flatMap((c) => c.Ports.map((p) => p.PublicPort)).filter(Boolean);
    const conflicts = ports.length - new Set(ports).size;
    const ok = failures === 0 && conflicts === 0 && containers.length === count;
    row(`${count} accounts connect at once → all show a QR`, `${round(wallMs, 0)} ms, ${containers.length} slices, ${failures} failed, ${conflicts} port conflicts`, 'no failure, no conflict', ok);
    return { count, wallMs: round(wallMs, 0), slices: containers.length, failures, portConflicts: conflicts };
  } finally {
    await bench.close();
  }
}

/** slice → renderer: a QR's `issuedAt` (stamped in the slice) to its arrival over the web transport's SSE. */
async function eventLatency() {
  console.log('\nEvent latency slice → renderer over the web transport');
  const bench = await makeCore({ qrTtlMs: 150, qrCodes: 20 });
  const token = randomBytes(24).toString('base64url');
  const server = await startWebServer({ core: bench.core, host: '127.0.0.1', port: 0, token, rendererDir: resolve('out/renderer') });
  const samples: number[] = [];
  const request = http.get({ host: '127.0.0.1', port: server.port, path: `/api/events?token=${token}`, headers: { accept: 'text/event-stream' } });
  try {
    const seen = new Set<string>();
    await new Promise<void>((resolveStream, reject) => {
      request.on('error', reject);
      request.on('response', (res) => {
        if (res.statusCode !== 200) return reject(new Error(`event stream answered ${res.statusCode}`));
        // The core's own SSE parser; it calls back synchronously inside feed(), so
        // Date.now() there is the moment the chunk arrived.
        const parser = new SseParser(({ data }) => {
          const event = JSON.parse(data) as AppEvent;
          if (event.type !== 'slice' || !event.data.qr) return;
          const key = `${event.data.accountId}:${event.data.qr.index}`;
          if (seen.has(key)) return;
          seen.add(key);
          samples.push(Date.now() - event.data.qr.issuedAt);
        });
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => parser.feed(chunk));
        resolveStream();
      });
    });
    const accounts = await Promise.all([0, 1, 2, 3, 4].map((i) => bench.core.handlers['accounts.add']({ name: `latency ${i}` })));
    const done = Promise.all(accounts.map((a) => nextView(bench.core, a.id, (v) => v.stage === 'qr_timeout', 60_000)));
    await Promise.all(accounts.map((a) => bench.core.handlers['slices.connect']({ accountId: a.id })));
    await done;
  } finally {
    request.destroy();
    await server.close();
    await bench.close();
  }
  const s = summarize(samples);
  row('slice event → renderer (ms)', `p50 ${s.p50}  p99 ${s.p99}  (n=${s.n})`, '≤ 50 ms (p99)', s.p99 <= 50);
  results.eventLatencyMs = s;
}

function memoryMiB(stats: { memory_stats: { usage: number; stats?: { cache?: number; inactive_file?: number } } }): number {
  const cache = stats.memory_stats.stats?.cache ?? stats.memory_stats.stats?.inactive_file ?? 0;
  return (stats.memory_stats.usage - cache) / 2 ** 20;
}

/**
 * The Chromium image (built here if missing, ~2 min the first time) running the real
 * driver, healthy and idle. It cannot go further here: WhatsApp Web is unreachable.
 */
async function idleRealDriverMemoryMiB(): Promise<number> {
  const script = new URL('../scripts/slice-image.mjs', `file://${resolve('bench')}/`).href;
  const { ensureSliceImage } = (await import(script)) as { ensureSliceImage: (o: { withChromium: boolean; log: (l: string) => void }) => Promise<{ image: string }> };
  const { image } = await ensureSliceImage({ withChromium: true, log: (line) => console.log(`  [slice-image] ${line}`) });
  const container = await runBareSlice(image, 'whatsapp-web.js', 53_991);
  try {
    await new Promise((r) => setTimeout(r, 2_000));
    return memoryMiB((await container.stats({ stream: false })) as never);
  } finally {
    await container.remove({ force: true });
  }
}

async function idleMemory() {
  console.log('\nIdle memory');
  const bench = await makeCore();
  try {
    const account = await bench.core.handlers['accounts.add']({ name: 'memory' });
    const ready = nextView(bench.core, account.id, (v) => v.stage === 'ready', 60_000);
    const qr = nextView(bench.core, account.id, (v) => v.qr !== undefined);
    await bench.core.handlers['slices.connect']({ accountId: account.id });
    await qr;
    await bench.core.handlers['sim.scan']({ accountId: account.id });
    await ready;
    await new Promise((r) => setTimeout(r, 2_000));
    const [container] = await containersOf(bench.core);
    const usedMiB = memoryMiB((await docker.getContainer(container!.Id).stats({ stream: false })) as never);
    row('idle slice memory, simulated driver (MiB)', `${round(usedMiB)}`);
    const realMiB = await idleRealDriverMemoryMiB();
    row('idle slice memory, real driver image (MiB)', `${round(realMiB)} (healthy, before initialize: WhatsApp is unreachable here)`);
    results.idleSliceMemoryMiB = { simulated: round(usedMiB), realDriverBeforeInitialize: round(realMiB) };
  } finally {
    await bench.close();
  }
  const rssMiB = process.memoryUsage().rss / 2 ** 20;
  row('host process RSS after the run (MiB)', `${round(rssMiB)}`);
  results.hostRssMiB = round(rssMiB);
}

/**
 * N accounts connect at once through the core → every one shows its first QR (wall time);
 * the accounts are removed afterwards (slices and session volumes gone) for the next round.
 */
async function coreCrowd(bench: BenchCore, n: number): Promise<number> {
  const accounts = await Promise.all(Array.from({ length: n }, (_, i) => bench.core.handlers['accounts.add']({ name: `crowd ${i}` })));
  try {
    const started = performance.now();
    const allQr = Promise.all(accounts.map((a) => nextView(bench.core, a.id, (v) => v.qr !== undefined, 120_000)));
    await Promise.all(accounts.map((a) => bench.core.handlers['slices.connect']({ accountId: a.id })));
    await allQr;
    return performance.now() - started;
  } finally {
    await Promise.all(accounts.map((a) => bench.core.handlers['accounts.remove']({ accountId: a.id }).catch(() => undefined)));
  }
}

/**
 * A bare slice on `port`, or on a port further on when that one is taken: ports here are in
 * the kernel's ephemeral range, so an outgoing connection may hold one for a moment (the core
 * does the same on PortTakenError). Bounded: three ports.
 */
async function runBareSliceOnAFreePort(port: number, step: number): Promise<Docker.Container> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await runBareSlice(IMAGE, 'simulated', port + attempt * step);
    } catch (error) {
      if (attempt < 2 && /address already in use|port is already allocated/i.test(String((error as Error).message))) continue;
      throw error;
    }
  }
}

/** N bare `docker run`s at once (each its own port) → every one healthy (wall time). */
async function bareDockerCrowd(n: number): Promise<number> {
  const started = performance.now();
  const outcomes = await Promise.allSettled(Array.from({ length: n }, (_, k) => runBareSliceOnAFreePort(53_900 + k, n)));
  const elapsed = performance.now() - started;
  await Promise.all(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.remove({ force: true }).catch(() => undefined) : undefined)));
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
  return elapsed;
}

function crowdRow(label: string, result: CrowdResult) {
  row(`${label}: ${result.n} at once, bare → healthy (ms)`, `p50 ${result.bareMs.p50}  (${result.rounds.map((r) => r.bareMs).join(', ')})`);
  row(`${label}: ${result.n} connects at once → all first QR (ms)`, `p50 ${result.coreMs.p50}  (${result.rounds.map((r) => r.coreMs).join(', ')})`);
  row(`  ratio core / bare, round by round`, crowdLine(result));
}

async function dockerCrowd(): Promise<CrowdResult> {
  console.log(`\nCrowd baseline, one engine: ${CROWD_N} bare docker runs at once vs ${CROWD_N} connects at once (${CROWD_ROUNDS} rounds after a warm-up)`);
  const bench = await makeCore({}, 40);
  try {
    const result = await crowdRounds(CROWD_N, CROWD_ROUNDS, bareDockerCrowd, (n) => coreCrowd(bench, n));
    crowdRow('one engine', result);
    return result;
  } finally {
    await bench.close();
  }
}

/** The swarm's figures, or why they are absent. */
async function swarmFigures(): Promise<Record<string, unknown>> {
  const absent = swarmAbsentReason();
  console.log(`\nDocker Swarm (the private two-node swarm of npm run swarm:up)`);
  if (absent) {
    row('swarm figures', `absent: ${absent}`);
    return { absent };
  }
  const lease = await leaseBenchSwarm(IMAGE);
  row('swarm: lease', lease.reused ? `reused a swarm that was up (${lease.ms} ms to check and load the image)` : `swarm:up from nothing in ${lease.ms} ms, image loaded into both nodes`);
  try {
    const pairs = await swarmPairs(IMAGE, SWARM_REPS, row);
    console.log(`\nCrowd baseline, swarm: ${CROWD_N} bare service creates at once vs ${CROWD_N} connects at once (${CROWD_ROUNDS} rounds after a warm-up)`);
    const bench = await makeCore({}, 40, true);
    let crowd: CrowdResult;
    try {
      crowd = await swarmCrowd(IMAGE, CROWD_N, CROWD_ROUNDS, (n) => coreCrowd(bench, n));
    } finally {
      await bench.close();
    }
    crowdRow('swarm', crowd);
    return { lease, ...pairs, crowd };
  } finally {
    await releaseBenchSwarm();
  }
}

async function main() {
  const info = await docker.version();
  const machine = { cores: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: round(totalmem() / 2 ** 30), node: process.version, docker: info.Version, image: IMAGE };
  console.log(`slicedeck bench — ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, Docker ${machine.docker}, image ${IMAGE}`);
  await removeByLabel('slicedeck.bench=baseline');
  console.log(`crowd N = ${CROWD_N} (BENCH_CROWD), ${CROWD_ROUNDS} rounds (BENCH_CROWD_ROUNDS); swarm pairs ${SWARM_REPS} (BENCH_SWARM_REPS)`);
  if (runs('pairs')) await connectPairs();
  if (runs('expiry')) {
    // The ends of a slice (bench/graceful.ts): Destroy → gone (graceful), last code → gone (unscanned).
    results.graceful = await gracefulFigures({ makeCore, row, reps: REPS });
    results.qrExpiryToGoneMs = (results.graceful as GracefulFigures).lastCodeToGoneMs;
  }
  if (runs('concurrent')) {
    console.log('\nConcurrent connects');
    results.concurrent = [await concurrentConnects(1), await concurrentConnects(10), await concurrentConnects(20)];
  }
  if (runs('crowd')) results.crowd = { n: CROWD_N, docker: await dockerCrowd() };
  if (runs('latency')) await eventLatency();
  if (runs('memory')) await idleMemory();
  if (runs('media')) {
    console.log('\nMedia download (messages.media)');
    const bench = await makeCore();
    results.media = await mediaFigures(bench.core, nextView, REPS, row).finally(() => bench.close());
  }
  if (runs('real')) {
    const chromiumImage = execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('./scripts/slice-image.mjs'); console.log((await m.ensureSliceImage({ withChromium: true, log() {} })).pinned);"], { encoding: 'utf8' }).trim();
    const containerMemoryMiB = async (id: string) => memoryMiB((await docker.getContainer(id).stats({ stream: false })) as never);
    results.realSlices = await realSlicesAtOnce({ chromiumImage, makeCore: (o) => makeCore(o, 40), nextView, containersOf, containerMemoryMiB, row }).catch((error: unknown) => {
      row('real slices at once', `failed: ${error instanceof Error ? error.message : String(error)}`);
      return { failed: String(error) };
    });
  }
  if (runs('bigaccount')) results.bigAccount = await bigAccountFigures({ makeCore: (overrides) => makeCore(overrides), row, docker });
  if (runs('floods')) results.floods = floodFigures(row);
  if (runs('webhooks')) results.webhooks = await webhookFigures(row);
  if (runs('swarm')) {
    // A swarm that cannot be brought up costs its rows, not the one-engine figures above.
    const swarm = await swarmFigures().catch((error: unknown) => {
      const failed = error instanceof Error ? error.message : String(error);
      row('swarm figures', `failed: ${failed}`);
      return { failed } as Record<string, unknown>;
    });
    results.swarm = swarm;
    if (swarm.crowd) results.crowd = { ...(results.crowd as object), n: CROWD_N, swarm: swarm.crowd };
  }

  const out = { date: new Date().toISOString(), machine, reps: REPS, crowdN: CROWD_N, crowdRounds: CROWD_ROUNDS, swarmReps: SWARM_REPS, results, table };
  mkdirSync('bench', { recursive: true });
  // A partial run (BENCH_ONLY) does not overwrite the full run's figures.
  const file = ONLY.length ? `bench/results-${ONLY.join('-')}.json` : 'bench/results.json';
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwritten ${file}`);
  const missed = table.filter((r) => r.ok === false);
  if (missed.length) console.log(`targets missed: ${missed.map((r) => r.metric.trim()).join('; ')}`);
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

export type { Summary };
