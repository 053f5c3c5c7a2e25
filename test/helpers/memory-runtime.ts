/**
 * An in-memory SliceRuntime: the engine faked, the slice real. Each "container" is the
 * real slice app (src/slice/app.ts, the same one its image's main.ts starts) run in
 * this process, listening on 127.0.0.1 at the slice's published port and reading its
 * token from a 0400 file in its "volume" (a temporary directory) — so the host's slice
 * client, event stream, health probes and the whole connect flow are the product's own
 * code, and only Docker is not there. It passes test/integration/runtime-contract.ts
 * (test/unit/core/memory-runtime.test.ts), as the DockerodeRuntime and the SwarmRuntime do.
 *
 * What it cannot show, and the real-engine tests keep: containers and their labels in
 * a real engine, ports published by docker-proxy, volumes on disk under Docker, a real
 * process killed (SIGKILL, OOM), the lock-down of the container.
 *
 * A stop is main.ts's SIGTERM path: the app closes (client, browser, server) and
 * "exits" 0; past the slice's own SHUTDOWN_MS it exits SLICE_SHUTDOWN_TIMEOUT_EXIT;
 * past the engine's grace it is "SIGKILLed" (137): its server is closed at once and the
 * rest of its close is no longer waited for. `kill()` is `docker kill` (a crash).
 *
 * A slice's SliceRef is a random id of this runtime (as a container id is Docker's).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlicedeckError } from '@shared/errors';
import { SLICE_ENV, SLICE_SHUTDOWN_TIMEOUT_EXIT } from '@shared/slice-protocol';
import { LABELS, containerName, sliceNetworkName } from '../../src/main/core/docker/labels';
import {
  LOCAL_LOCATION,
  PortTakenError,
  type ManagedSlice,
  type ManagedVolume,
  type RawContainerStats,
  type SliceNetwork,
  type SliceRef,
  type SliceRunState,
  type SliceRuntime,
  type SliceSpec,
  type StopOutcome,
  type SweepReport,
} from '../../src/main/core/docker/runtime';
import type { LogRequest, RawLogLine } from '../../src/main/core/docker/container-logs';
import { LEGACY_SLICE_USER, type SliceUser } from '../../src/main/core/docker/slice-user';
import { DATA_MOUNT } from '../../src/main/core/docker/container-spec';
import { createSliceApp, type SliceApp } from '../../src/slice/app';
import { DEFAULT_SHUTDOWN_MS, LISTEN_HOST_ENV, SliceConfigError, loadSliceConfig } from '../../src/slice/config';
import type { LogEntry } from '../../src/slice/instance-manager';

/** Exit codes as Docker reports them: SIGKILL (a kill, or the end of a stop's grace) and a slice that could not start. */
export const KILLED_EXIT = 137;
const CONFIG_ERROR_EXIT = 1;
const SIGTERM_EXIT = 143;
/** Docker's restart default: the slice gets this long to close before the SIGKILL. */
const DEFAULT_RESTART_GRACE_MS = 1_000;

/**
 * What `stats` answers is NOT a reading of the slice: the slice shares this test
 * process, so the figures are the whole process's (its resident memory, its CPU time).
 * They are real readings, labelled as such in `memory_stats.stats` under this key, for
 * code that only needs a well-formed answer (the Dashboard's sampler); never a figure to judge a slice by.
 */
export const WHOLE_PROCESS_STATS_LABEL = 'memory_runtime_whole_test_process';

interface Slice {
  id: string;
  spec: SliceSpec;
  status: 'created' | 'running' | 'exited';
  exitCode: number | null;
  startedAt: number | null;
  app: SliceApp | null;
  /** The environment the slice was started with (what `docker inspect` would show). */
  env: Record<string, string>;
  logs: LogEntry[];
  /** Set while a stop is under way, so two stops share one. */
  stopping: Promise<number | null> | null;
}

interface Volume {
  labels: Record<string, string>;
  dir: string;
}

export class MemoryRuntime implements SliceRuntime {
  readonly kind = 'docker' as const;
  private readonly root = mkdtempSync(join(tmpdir(), 'slicedeck-memory-runtime-'));
  private readonly slices = new Map<string, Slice>();
  private readonly volumes = new Map<string, Volume>();
  private readonly networks = new Map<string, SliceNetwork>();
  private readonly images: Set<string>;
  /** Images whose process runs and never listens (a process that never listens: a slice stuck before its health check): started, running, silent. */
  private readonly muteImages: Set<string>;
  /** While false the engine "does not answer": every call throws docker_unreachable. */
  answering = true;

  /** Set on every slice as if its image had it (the image's own defaults, which the host's spec never names). */
  private readonly imageEnv: Record<string, string>;

  constructor(opts: { images: string[]; muteImages?: string[]; sliceEnv?: Record<string, string> }) {
    this.imageEnv = { ...opts.sliceEnv };
    this.muteImages = new Set(opts.muteImages ?? []);
    this.images = new Set([...opts.images, ...this.muteImages]);
  }

  // ── the engine ────────────────────────────────────────────────────────────────

  async ping(): Promise<void> {
    this.requireAnswering();
  }

  async imagePresent(image: string): Promise<boolean> {
    this.requireAnswering();
    return this.images.has(image);
  }

  async sliceUser(): Promise<SliceUser> {
    return LEGACY_SLICE_USER;
  }

  async remapsUsers(): Promise<boolean> {
    return false;
  }

  // ── slices ────────────────────────────────────────────────────────────────────

  async create(spec: SliceSpec): Promise<SliceRef> {
    this.requireAnswering();
    if (!this.images.has(spec.image)) {
      throw new SlicedeckError('image_missing', `The slice image ${spec.image} is not in Docker. Build it with \`npm run slice:image\`, then click Connect again.`);
    }
    // As a real runtime does: the home's network is made on a slice's first create.
    await this.ensureNetwork(spec.homeId);
    const id = randomBytes(32).toString('hex');
    this.slices.set(id, { id, spec: { ...spec, env: { ...spec.env } }, status: 'created', exitCode: null, startedAt: null, app: null, env: {}, logs: [], stopping: null });
    return id;
  }

  async start(ref: string): Promise<void> {
    this.requireAnswering();
    const slice = this.slices.get(ref);
    if (!slice) throw new SlicedeckError('slice_failed', `No such slice: ${ref}`);
    if (slice.status === 'running') return;
    const { spec } = slice;
    // Docker makes a mounted volume that does not exist (without labels).
    const volume = this.volumeOf(spec.volume, {});
    slice.env = this.sliceEnv(spec, volume.dir);
    slice.logs = [];
    slice.startedAt = Date.now();
    slice.exitCode = null;
    if (this.muteImages.has(spec.image)) {
      slice.status = 'running';
      return;
    }
    let app: SliceApp;
    try {
      app = await createSliceApp(loadSliceConfig(slice.env), { log: (entry) => this.log(slice, entry) });
    } catch (error) {
      // main.ts: a bad setting stops the slice with words and exit code 1; the engine's start itself succeeded.
      if (!(error instanceof SliceConfigError)) throw error;
      this.log(slice, { event: 'config_error', message: error.message });
      slice.status = 'exited';
      slice.exitCode = CONFIG_ERROR_EXIT;
      return;
    }
    try {
      await app.server.listen(spec.port, LOCAL_LOCATION.address);
    } catch (error) {
      await app.close().catch(() => undefined);
      slice.startedAt = null;
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortTakenError(spec.port, error);
      throw error;
    }
    slice.app = app;
    slice.status = 'running';
    // What main.ts logs once its server listens (the line the contract's log test looks for).
    const config = loadSliceConfig(slice.env);
    this.log(slice, { event: 'listening', host: LOCAL_LOCATION.address, port: spec.port, driver: config.driver, instanceId: config.instanceId });
  }

  async restart(ref: string, opts: { graceMs?: number } = {}): Promise<void> {
    this.requireAnswering();
    const slice = this.slices.get(ref);
    if (!slice) throw new SlicedeckError('slice_failed', `No such slice: ${ref}`);
    await this.stop(slice, opts.graceMs ?? DEFAULT_RESTART_GRACE_MS);
    await this.start(ref);
  }

  async remove(ref: string): Promise<void> {
    this.requireAnswering();
    const slice = this.slices.get(ref);
    if (!slice) return;
    this.slices.delete(ref);
    if (slice.status === 'running') this.halt(slice, KILLED_EXIT);
  }

  async stopAndRemove(ref: string, opts: { graceMs: number }): Promise<StopOutcome> {
    this.requireAnswering();
    const slice = this.slices.get(ref);
    if (!slice) return { exitCode: null };
    const exitCode = slice.status === 'running' || slice.stopping ? await this.stop(slice, opts.graceMs) : null;
    this.slices.delete(ref);
    return { exitCode };
  }

  async inspect(ref: string): Promise<SliceRunState | null> {
    this.requireAnswering();
    const slice = this.slices.get(ref);
    if (!slice) return null;
    return {
      ref: slice.id,
      running: slice.status === 'running',
      status: slice.status,
      exitCode: slice.exitCode,
      oomKilled: false,
      startedAt: slice.startedAt,
      location: slice.startedAt === null ? null : { ...LOCAL_LOCATION },
      problem: null,
    };
  }

  /** Real readings of the whole test process, labelled (WHOLE_PROCESS_STATS_LABEL), never of the slice alone. */
  async stats(ref: string): Promise<RawContainerStats | null> {
    this.requireAnswering();
    const slice = this.slices.get(ref);
    if (!slice) return null;
    if (slice.status !== 'running') return { read: new Date().toISOString() };
    const cpu = process.cpuUsage();
    const now = process.hrtime.bigint();
    return {
      read: new Date().toISOString(),
      cpu_stats: { cpu_usage: { total_usage: (cpu.user + cpu.system) * 1_000 }, system_cpu_usage: Number(now), online_cpus: 1 },
      memory_stats: { usage: process.memoryUsage().rss, stats: { [WHOLE_PROCESS_STATS_LABEL]: 1 } },
    };
  }

  /** The slice's last log lines as `docker logs` shows main.ts's JSON lines: stdout, with their times, each cut to lineMaxBytes. */
  async logs(ref: SliceRef, opts: LogRequest): Promise<RawLogLine[] | null> {
    this.requireAnswering();
    const slice = this.slices.get(ref);
    if (!slice) return null;
    return slice.logs.slice(-opts.tail).map((entry) => ({ at: typeof entry.time === 'string' ? Date.parse(entry.time) : null, stream: 'stdout' as const, text: cutToBytes(JSON.stringify(entry), opts.lineMaxBytes) }));
  }

  async listManaged(homeId: string): Promise<ManagedSlice[]> {
    this.requireAnswering();
    return [...this.slices.values()]
      .filter((slice) => slice.spec.homeId === homeId)
      .map((slice) => ({
        ref: slice.id,
        name: containerName(homeId, slice.spec.sliceId),
        sliceId: slice.spec.sliceId,
        accountId: slice.spec.accountId,
        running: slice.status === 'running',
        state: slice.status,
        // As Docker lists it: a port is published only while the container runs.
        hostPort: slice.status === 'running' ? slice.spec.port : null,
      }));
  }

  /** One engine makes nothing beside slices but the home's network: it goes once no slice of the home exists. */
  async sweepOrphans(homeId: string): Promise<SweepReport> {
    this.requireAnswering();
    const anySlice = [...this.slices.values()].some((slice) => slice.spec.homeId === homeId);
    const networkRemoved = !anySlice && this.networks.delete(homeId);
    return { leftoversRemoved: 0, networkRemoved };
  }

  // ── volumes ───────────────────────────────────────────────────────────────────

  async ensureVolume(name: string, labels: Record<string, string>): Promise<void> {
    this.requireAnswering();
    this.volumeOf(name, labels);
  }

  async removeVolume(name: string): Promise<void> {
    this.requireAnswering();
    const volume = this.volumes.get(name);
    if (!volume) return;
    const user = [...this.slices.values()].find((slice) => slice.spec.volume === name);
    if (user) throw new SlicedeckError('conflict', `The session volume ${name} is in use by the slice container ${user.id.slice(0, 12)}.`);
    this.volumes.delete(name);
    rmSync(volume.dir, { recursive: true, force: true });
  }

  async localVolumePath(name: string): Promise<string | null> {
    return this.volumes.get(name)?.dir ?? null;
  }

  async listVolumes(homeId: string): Promise<ManagedVolume[]> {
    this.requireAnswering();
    return [...this.volumes.entries()].filter(([, v]) => v.labels[LABELS.home] === homeId).map(([name, v]) => ({ name, accountId: v.labels[LABELS.accountId] ?? null }));
  }

  // ── networks ──────────────────────────────────────────────────────────────────

  async ensureNetwork(homeId: string): Promise<SliceNetwork> {
    this.requireAnswering();
    let network = this.networks.get(homeId);
    if (!network) {
      // The slices run in this process: the host is on loopback for them.
      network = { name: sliceNetworkName(homeId), id: randomBytes(32).toString('hex'), gateway: LOCAL_LOCATION.address, subnet: null };
      this.networks.set(homeId, network);
    }
    return network;
  }

  async inspectNetwork(homeId: string): Promise<SliceNetwork | null> {
    this.requireAnswering();
    return this.networks.get(homeId) ?? null;
  }

  async removeNetworkIfUnused(homeId: string): Promise<boolean> {
    this.requireAnswering();
    if ([...this.slices.values()].some((slice) => slice.spec.homeId === homeId && slice.status === 'running')) return false;
    this.networks.delete(homeId);
    return true;
  }

  // ── what a test does to the engine behind the host's back ─────────────────────

  /** `docker kill`: the slice's process dies at once (SIGKILL, or another signal's exit code). */
  kill(ref: string, exitCode = KILLED_EXIT): void {
    const slice = this.slices.get(ref);
    if (slice?.status === 'running') this.halt(slice, exitCode);
  }

  /** The ids of this home's containers for an account (what `docker ps --filter label=…` lists). */
  containersOf(homeId: string, accountId?: string): string[] {
    return [...this.slices.values()].filter((s) => s.spec.homeId === homeId && (accountId === undefined || s.spec.accountId === accountId)).map((s) => s.id);
  }

  /** What the slice logged since its last start (its container's log). */
  logsOf(ref: string): LogEntry[] {
    return this.slices.get(ref)?.logs ?? [];
  }

  /** The environment the slice runs with, as `docker inspect` would show it (the contract's envOf). */
  envOf(ref: string): string[] {
    return Object.entries(this.slices.get(ref)?.env ?? {}).map(([key, value]) => `${key}=${value}`);
  }

  /** Ends every slice at once and forgets everything (a test's teardown). */
  async close(): Promise<void> {
    for (const slice of this.slices.values()) if (slice.status === 'running') this.halt(slice, KILLED_EXIT);
    this.slices.clear();
    this.volumes.clear();
    this.networks.clear();
    rmSync(this.root, { recursive: true, force: true });
  }

  // ── inside ────────────────────────────────────────────────────────────────────

  /** A line of the slice's log, stamped as jsonLineLogger stamps it. */
  private log(slice: Slice, entry: LogEntry): void {
    slice.logs.push({ time: new Date().toISOString(), ...entry });
  }

  private requireAnswering(): void {
    if (!this.answering) throw new SlicedeckError('docker_unreachable', 'The in-memory engine was told not to answer (a test of an engine that went away).');
  }

  private volumeOf(name: string, labels: Record<string, string>): Volume {
    let volume = this.volumes.get(name);
    if (!volume) {
      const dir = join(this.root, 'volumes', name);
      mkdirSync(dir, { recursive: true });
      volume = { labels: { ...labels }, dir };
      this.volumes.set(name, volume);
    }
    return volume;
  }

  /**
   * The container's environment, its paths moved into the volume's directory: the token
   * written as the engine writes it (a 0400 file ended by a newline, SLICE_TOKEN_FILE),
   * never in the environment; the server on loopback at the published port.
   */
  private sliceEnv(spec: SliceSpec, volumeDir: string): Record<string, string> {
    const inVolume = (path: string) => (path.startsWith(`${DATA_MOUNT}/`) ? join(volumeDir, path.slice(DATA_MOUNT.length + 1)) : path);
    const tokenDir = join(volumeDir, '.slicedeck');
    mkdirSync(tokenDir, { recursive: true, mode: 0o700 });
    const tokenFile = join(tokenDir, `${spec.sliceId}.token`);
    rmSync(tokenFile, { force: true });
    writeFileSync(tokenFile, `${spec.token}\n`, { mode: 0o400 });
    chmodSync(tokenFile, 0o400);
    const env: Record<string, string> = { ...this.imageEnv, ...spec.env };
    delete env[SLICE_ENV.token];
    if (env[SLICE_ENV.authBaseDir]) env[SLICE_ENV.authBaseDir] = inVolume(env[SLICE_ENV.authBaseDir]);
    else env[SLICE_ENV.authBaseDir] = join(volumeDir, 'auth');
    return { ...env, [SLICE_ENV.tokenFile]: tokenFile, [SLICE_ENV.port]: String(spec.port), [LISTEN_HOST_ENV]: LOCAL_LOCATION.address };
  }

  /**
   * main.ts's SIGTERM path under the engine's grace: 0 when the app closed in time, the
   * slice's own timeout exit past SHUTDOWN_MS, 137 past the grace. Null when it was not running.
   */
  private stop(slice: Slice, graceMs: number): Promise<number | null> {
    if (slice.stopping) return slice.stopping;
    if (slice.status !== 'running') return Promise.resolve(null);
    if (!slice.app) {
      // A mute image's process has no SIGTERM handler: it dies of the signal (128 + 15).
      this.halt(slice, SIGTERM_EXIT);
      return Promise.resolve(SIGTERM_EXIT);
    }
    const app = slice.app;
    const shutdownMs = Number(slice.env[SLICE_ENV.shutdownMs] || DEFAULT_SHUTDOWN_MS);
    const timers: NodeJS.Timeout[] = [];
    const after = (ms: number, code: number) => new Promise<number>((resolve) => timers.push(setTimeout(() => resolve(code), ms)));
    slice.stopping = Promise.race([
      app.close().then(
        () => 0,
        () => 1,
      ),
      after(shutdownMs, SLICE_SHUTDOWN_TIMEOUT_EXIT),
      after(graceMs, KILLED_EXIT),
    ]).then((code) => {
      for (const timer of timers) clearTimeout(timer);
      // Closed by itself (0, or 1 when its close failed): nothing is left to end.
      this.halt(slice, code, code === 0 || code === 1);
      slice.stopping = null;
      return code;
    });
    return slice.stopping;
  }

  /** The process is gone: its server stops answering at once; what it was still closing is not waited for. */
  private halt(slice: Slice, exitCode: number, closed = false): void {
    const app = slice.app;
    slice.app = null;
    slice.status = 'exited';
    slice.exitCode = exitCode;
    if (app && !closed) app.close().catch(() => undefined);
  }
}

/** `text` cut to at most `maxBytes` bytes of UTF-8, never in the middle of a character. */
function cutToBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let cut = Buffer.from(text).subarray(0, maxBytes).toString('utf8');
  while (Buffer.byteLength(cut) > maxBytes) cut = cut.slice(0, -1);
  return cut;
}
