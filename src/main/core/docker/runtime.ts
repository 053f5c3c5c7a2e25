/**
 * What the host needs from a place that runs slices, and nothing more, in slice words:
 * a slice is made from a SliceSpec and known afterwards by its SliceRef, whatever the
 * engine calls it (a container on one engine: DockerodeRuntime; a service on a swarm:
 * SwarmRuntime). What a runtime makes beside a slice (a swarm's token secrets, the
 * home's network) is its own to sweep (sweepOrphans). Engine faults become words in
 * one place (engine.ts), so nothing above a runtime reads an engine's errors.
 */
import { SlicedeckError } from '@shared/errors';
import type { SliceUser } from './slice-user';
import type { LogRequest, RawLogLine } from './container-logs';
import type { ProxySettings } from '@shared/proxy';

export interface SliceSpec {
  homeId: string;
  accountId: string;
  sliceId: string;
  image: string;
  /** Host port, published on 127.0.0.1 only. */
  port: number;
  /** Never secrets: the environment is readable by `docker inspect` and every process in the slice. */
  env: Record<string, string>;
  /**
   * The slice's bearer token. Written into the container as a 0400 file owned by the
   * slice user right after it starts (`SLICE_TOKEN_FILE`; the slice waits for it), never put in the environment.
   * On a swarm: a Swarm secret of the slice, mounted as that file.
   */
  token: string;
  /**
   * The account's proxy (@shared/proxy), password included: a secret like the token, so it
   * goes in the same way — a 0400 file beside the token file (`sliceProxyFile`), written
   * before it in the same archive — never in the environment. Absent: the slice goes direct.
   */
  proxy?: ProxySettings;
  memoryBytes: number;
  pidsLimit: number;
  /** CPU limit in cores (Docker's NanoCpus / 1e9). */
  cpus: number;
  /** Named volume mounted at /data. */
  volume: string;
  /** The data dir's slice network (sliceNetworkName); created by ensureNetwork (on a swarm, by create itself). */
  network: string;
  /**
   * Swarm only: the node (its swarm node id) the slice must run on, because the
   * account's session volume lives there. Absent: wherever the engine puts it. A
   * single engine has one place, so the docker runtime ignores it.
   */
  node?: string;
}

/** Where a running slice is and how the host reaches it (address:hostPort). */
export interface SliceLocation {
  /** The engine's name for the place: 'local' for one engine, the swarm node id on a swarm. */
  node: string;
  /** The address the host uses to reach the slice's published port: 127.0.0.1 for one engine. */
  address: string;
  /** A short name of the node for the panel and words (a swarm's `slicedeck.node` label or hostname); absent on one engine. */
  name?: string;
}

/** One engine: every slice is here, reached on loopback. */
export const LOCAL_LOCATION = { node: 'local', address: '127.0.0.1' } as const;

/** The data dir's slice network as Docker made it. */
export interface SliceNetwork {
  name: string;
  id: string;
  /**
   * The host's address on that bridge: what a slice reaches the host on (for
   * example a stand-in WhatsApp Web bound there). null if Docker did not say.
   */
  gateway: string | null;
  subnet: string | null;
}

/**
 * The runtime's handle for one slice, from `create` on: a container id on one engine,
 * a service id on a swarm. Opaque to everything above the runtime; the store keeps it
 * (SliceRow.sliceRef, the `container_id` column).
 */
export type SliceRef = string;

/** One session volume of this home, with the account it belongs to (its label). */
export interface ManagedVolume {
  name: string;
  accountId: string | null;
}

/** A slice of this home as the runtime finds it by its labels (listManaged). */
export interface ManagedSlice {
  ref: SliceRef;
  /** The engine's name for it (container or service name). */
  name: string;
  sliceId: string | null;
  accountId: string | null;
  running: boolean;
  state: string;
  hostPort: number | null;
}

/** What the runtime says about one slice's run (inspect). */
export interface SliceRunState {
  ref: SliceRef;
  running: boolean;
  status: string;
  exitCode: number | null;
  oomKilled: boolean;
  /** Epoch ms of State.StartedAt; null when it never started. */
  startedAt: number | null;
  /** Where it runs (or last ran); null while no engine has placed it yet. */
  location: SliceLocation | null;
  /** Why it could not run, in words (e.g. "no suitable node"); null when nothing is wrong. */
  problem: string | null;
}

/**
 * How a slice stopped by stopAndRemove ended: its exit code — 0 when it closed its
 * client and exited on SIGTERM, SLICE_SHUTDOWN_TIMEOUT_EXIT when its own shutdown bound
 * ran out first, 137 when the engine had to SIGKILL it after the grace — or null when it
 * was not running (already stopped, or never started) or the engine no longer says.
 */
export interface StopOutcome {
  exitCode: number | null;
}

/**
 * The part of the engine's `GET /containers/{id}/stats?stream=false` answer the
 * Dashboard uses (see docker-stats.ts); every field may be missing, e.g. for a
 * container that is not running. Both runtimes read it from the slice's container
 * (on a swarm, the task's container on its node), so it keeps Docker's shape.
 */
export interface RawContainerStats {
  read?: string;
  cpu_stats?: RawCpuStats;
  precpu_stats?: RawCpuStats;
  memory_stats?: {
    usage?: number;
    limit?: number;
    stats?: Record<string, number | undefined>;
  };
}
export interface RawCpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/** What sweepOrphans removed. */
export interface SweepReport {
  /** Leftovers of slices that are gone (a swarm's token secrets); 0 on one engine, which makes none. */
  leftoversRemoved: number;
  /** The home's network was there and is gone now, because no slice of the home exists. */
  networkRemoved: boolean;
}

export interface SliceRuntime {
  /** 'docker': one engine; 'swarm': services on a Docker Swarm (see swarm-runtime.ts). */
  readonly kind: 'docker' | 'swarm';
  /** Resolves when the engine answers; throws SlicedeckError('docker_unreachable') otherwise. */
  ping(): Promise<void>;
  imagePresent(image: string): Promise<boolean>;
  /** The uid the image's slices run as and whether it brings its own init (its labels: slice-user.ts). */
  sliceUser(image: string): Promise<SliceUser>;
  /** Whether the engine remaps container users to subordinate ids (`userns-remap`). */
  remapsUsers(): Promise<boolean>;
  /** Creates (not starts) the slice; returns its handle. */
  create(spec: SliceSpec): Promise<SliceRef>;
  start(ref: SliceRef): Promise<void>;
  /**
   * Stops and starts again; used when a running slice stops answering or misbehaves.
   * The stop is graceful: SIGTERM, `graceMs` (default 1 s) for the slice to close its
   * client and browser, then SIGKILL. (A swarm stops the old task with the grace its
   * service was created with: SwarmRuntime's stopGraceMs.)
   * `node` (swarm): the restarted slice must run there, because its account's session
   * volume is there; one engine has one place and ignores it.
   */
  restart(ref: SliceRef, opts?: { node?: string; graceMs?: number }): Promise<void>;
  /**
   * Forced removal (SIGKILL at once): for a slice with no session to save. A slice
   * that is already gone is not an error. What the runtime made for this slice alone
   * (a swarm's token secret) goes with it.
   */
  remove(ref: SliceRef): Promise<void>;
  /**
   * Graceful stop, then removal: SIGTERM (`docker stop`), up to `graceMs` for the slice to
   * close its WhatsApp client and Chromium the way a person closes a browser (Chromium
   * writes the profile's lazily committed data, e.g. localStorage, only then), SIGKILL
   * only after the grace, then the slice is removed as by `remove`. A slice that is
   * already gone is not an error. Resolves with how it ended (see StopOutcome).
   */
  stopAndRemove(ref: SliceRef, opts: { graceMs: number }): Promise<StopOutcome>;
  /** null when the slice does not exist. */
  inspect(ref: SliceRef): Promise<SliceRunState | null>;
  /**
   * One stats reading (not a stream; the engine spends about a second to fill in
   * the previous CPU reading). null when the slice does not exist;
   * throws SlicedeckError('timeout') when the engine takes longer than `timeoutMs`,
   * and StatsUnavailableError when the place the slice runs cannot be asked (a swarm
   * node this host cannot reach), while the engine itself answers.
   */
  stats(ref: SliceRef, opts: { timeoutMs: number }): Promise<RawContainerStats | null>;
  /** This home's slices, found by their labels: only slices, nothing else the runtime made. */
  /** The slice's last log lines, both streams, bounded (container-logs.ts); null when it does not exist. */
  logs(ref: SliceRef, opts: LogRequest): Promise<RawLogLine[] | null>;
  listManaged(homeId: string): Promise<ManagedSlice[]>;
  /**
   * Removes what this runtime made for `homeId` beside the slices themselves and that
   * nothing needs any more: a swarm's token secret whose slice has no service and is
   * not kept; the home's network (on a swarm, its config-only networks too) when no
   * slice of the home exists. `keep(sliceId)` says whether the host still intends that
   * slice; it is asked after the runtime has listed what it found, so a slice whose
   * row was begun before its leftovers were made is never swept. Slices themselves are
   * not touched (the reconciler decides about them), nor anything of another home.
   */
  sweepOrphans(homeId: string, keep: (sliceId: string) => boolean): Promise<SweepReport>;
  /**
   * Makes the named volume exist. `node` (swarm): create it on that node; without it
   * a swarm creates it where the slice's task lands (with the same labels).
   */
  ensureVolume(name: string, labels: Record<string, string>, opts?: { node?: string }): Promise<void>;
  /** A volume that is already gone is not an error. */
  removeVolume(name: string): Promise<void>;
  /**
   * Where the volume's files are on THIS machine's filesystem, to watch its size
   * (disk-budget.ts); null when they are not here to read (a remote engine, a swarm
   * node) or the volume does not exist.
   */
  localVolumePath(name: string): Promise<string | null>;
  listVolumes(homeId: string): Promise<ManagedVolume[]>;
  /**
   * Creates the data dir's slice network when missing (labelled with the home,
   * inter-container traffic off) and returns it; an existing one is reused.
   */
  ensureNetwork(homeId: string): Promise<SliceNetwork>;
  /** The network if it exists (null otherwise); never creates it. */
  inspectNetwork(homeId: string): Promise<SliceNetwork | null>;
  /**
   * Removes the data dir's slice network when no container uses it any more;
   * true when it is gone afterwards.
   */
  removeNetworkIfUnused(homeId: string): Promise<boolean>;
}

/**
 * The slice runs, but where it runs cannot be asked for its stats from this host (a
 * swarm node without a reachable engine endpoint). Its message says which node and
 * what to do; the Dashboard shows those words instead of figures.
 */
export class StatsUnavailableError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'StatsUnavailableError';
  }
}

/** Docker refused to publish the port because something else holds it. */
export class PortTakenError extends Error {
  constructor(readonly port: number, cause: unknown) {
    super(`port ${port} is already taken on 127.0.0.1`, { cause });
    this.name = 'PortTakenError';
  }
}

/**
 * No node may run the slice's task under its placement (a pinned node down or drained,
 * or no node at all). Typed so that the slice logic can turn it into the pinned-node
 * words without reading an engine's text; a lack of room is another error (words about memory).
 */
export class NoSuitableNodeError extends SlicedeckError {
  constructor(message: string) {
    super('slice_failed', message);
    this.name = 'NoSuitableNodeError';
  }
}
