/**
 * The real SliceRuntime over dockerode. Engine failures are translated here into
 * SlicedeckErrors with words, so nothing above this file sees a raw socket error.
 */
import Docker from 'dockerode';
import { SlicedeckError } from '@shared/errors';
import { SLICE_INTERNAL_PORT } from '@shared/slice-protocol';
import { DATA_MOUNT, containerCreateOptions, tokenArchive } from './container-spec';
import type { ProxySettings } from '@shared/proxy';
import { engineRemapsUsers, readSliceUser, type SliceUser } from './slice-user';
import { VolumeOwners } from './volume-owner';
import { VOLUME_PARTS, VOLUME_PART_LABEL, noexecVolumeOptions, sessionVolumeOf, volumePartName, type VolumePart } from './noexec-volume';
import { LABELS, homeFilter, sliceNetworkName } from './labels';
import {
  LOCAL_LOCATION,
  PortTakenError,
  type ContainerState,
  type ManagedContainer,
  type ManagedVolume,
  type RawContainerStats,
  type SliceNetwork,
  type SliceRuntime,
  type SliceSpec,
  type StopOutcome,
} from './runtime';

/** Docker's bridge option that turns inter-container traffic off on one network. */
export const ICC_OPTION = 'com.docker.network.bridge.enable_icc';

const PING_TIMEOUT_MS = 3_000;
/** A restart without a stated grace (a dead slice has nothing left to close). */
const DEFAULT_RESTART_GRACE_MS = 1_000;

/** Docker's stop timeout is whole seconds: a grace rounds up, never down to an immediate kill. */
export function graceSeconds(graceMs: number): number {
  return Math.max(1, Math.ceil(graceMs / 1000));
}

export const DOCKER_UNREACHABLE_WORDS =
  'Docker is not answering. Start Docker (Docker Desktop, or `sudo systemctl start docker` / `dockerd`), or point DOCKER_HOST at a running engine, then try again.';

interface EngineError {
  statusCode?: number;
  code?: string;
  message?: string;
  json?: { message?: string };
}

export function isConnectionFailure(error: unknown): boolean {
  const code = (error as EngineError)?.code;
  return ['ECONNREFUSED', 'ENOENT', 'EACCES', 'EPERM', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code ?? '');
}

export function engineMessage(error: unknown): string {
  const e = error as EngineError;
  return e?.json?.message ?? e?.message ?? String(error);
}

export function statusOf(error: unknown): number | undefined {
  return (error as EngineError)?.statusCode;
}

/** Turns whatever dockerode threw into words for the operator. */
export function translateEngineError(error: unknown, doing: string): SlicedeckError {
  if (error instanceof SlicedeckError) return error;
  if (isConnectionFailure(error)) {
    const code = (error as EngineError).code;
    const why = code === 'EACCES' || code === 'EPERM' ? ' (permission denied on the Docker socket: add your user to the `docker` group)' : '';
    return new SlicedeckError('docker_unreachable', `${DOCKER_UNREACHABLE_WORDS}${why}`);
  }
  return new SlicedeckError('slice_failed', `Docker could not ${doing}: ${engineMessage(error)}`);
}

/** Two networks answer to one name (see removeDuplicateNetworks). */
function isAmbiguous(error: unknown): boolean {
  return /is ambiguous|matches found based on name/i.test(engineMessage(error));
}

function isPortTaken(error: unknown): boolean {
  return /port is already allocated|address already in use/i.test(engineMessage(error));
}

/** Docker writes "0001-01-01T00:00:00Z" for a container that never started. */
function epochOf(iso: string | undefined): number | null {
  const at = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(at) && at > 0 ? at : null;
}

/**
 * The dockerode client for `options`, behind a getter: a malformed DOCKER_HOST must not
 * crash the host, so then every call answers with words instead.
 */
export function engineGetter(options?: Docker.DockerOptions): () => Docker {
  try {
    const docker = new Docker(options);
    return () => docker;
  } catch (error) {
    const failure = new SlicedeckError('docker_unreachable', `${DOCKER_UNREACHABLE_WORDS} (${engineMessage(error)})`);
    return () => {
      throw failure;
    };
  }
}

/** `work`, or a rejection with code ETIMEDOUT once the engine took longer than PING_TIMEOUT_MS to answer. */
export async function withinPingTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error('ping timed out'), { code: 'ETIMEDOUT' })), PING_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export class DockerodeRuntime implements SliceRuntime {
  readonly kind = 'docker' as const;
  private readonly engine: () => Docker;

  constructor(
    options?: Docker.DockerOptions,
    private readonly settings: { /** Session volumes as noexec overlays (noexec-volume.ts); SLICEDECK_VOLUME_NOEXEC. */ noexecVolumes: boolean } = { noexecVolumes: true },
  ) {
    this.engine = engineGetter(options);
  }

  async ping(): Promise<void> {
    const engine = this.engine();
    try {
      await withinPingTimeout(engine.ping());
    } catch (error) {
      throw isConnectionFailure(error) ? translateEngineError(error, 'answer') : new SlicedeckError('docker_unreachable', `${DOCKER_UNREACHABLE_WORDS} (${engineMessage(error)})`);
    }
  }


  sliceUser(image: string): Promise<SliceUser> {
    return readSliceUser(this.engine(), image);
  }

  remapsUsers(): Promise<boolean> {
    return engineRemapsUsers(this.engine());
  }

  async imagePresent(image: string): Promise<boolean> {
    try {
      await this.engine().getImage(image).inspect();
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw translateEngineError(error, `look up the image ${image}`);
    }
  }

  async create(spec: SliceSpec): Promise<string> {
    let id: string;
    let uid: number;
    try {
      ({ id, uid } = await this.createOnNetwork(spec));
    } catch (error) {
      if (statusOf(error) === 404 && /no such image/i.test(engineMessage(error))) {
        throw new SlicedeckError('image_missing', `The slice image ${spec.image} is not in Docker. Build it with \`npm run slice:image\`, then click Connect again.`);
      }
      throw translateEngineError(error, 'create the slice container');
    }
    this.pendingTokens.set(id, { sliceId: spec.sliceId, token: spec.token, uid, proxy: spec.proxy });
    return id;
  }

  /**
   * Tokens to hand over right after start. `putArchive` costs a mount of the
   * container's filesystem (~20–100 ms); after start it overlaps the slice's own
   * boot, which waits for the file, instead of delaying the start.
   */
  /** Session volumes given to the image's slice uid (volume-owner.ts). */
  private readonly volumeOwners = new VolumeOwners(() => this.engine());

  private readonly pendingTokens = new Map<string, { sliceId: string; token: string; uid: number; proxy?: ProxySettings }>();

  private async handOverToken(containerId: string): Promise<void> {
    const pending = this.pendingTokens.get(containerId);
    if (!pending) return;
    try {
      await this.engine().getContainer(containerId).putArchive(tokenArchive(pending.sliceId, pending.token, pending.uid, new Date(), pending.proxy), { path: DATA_MOUNT });
      this.pendingTokens.delete(containerId);
    } catch (error) {
      throw translateEngineError(error, 'give the slice its token file');
    }
  }

  /** Homes whose network this runtime made sure of: looked up once, not on every create. */
  private readonly networks = new Map<string, Promise<SliceNetwork>>();

  /** The network is made on first use; if someone removed it since, start() makes it again. */
  private async createOnNetwork(spec: SliceSpec): Promise<{ id: string; uid: number }> {
    let ensured = this.networks.get(spec.homeId);
    if (!ensured) {
      ensured = this.ensureNetwork(spec.homeId);
      this.networks.set(spec.homeId, ensured);
      ensured.catch(() => this.networks.delete(spec.homeId));
    }
    await ensured;
    // The uid the image was built with (its label): the container's user and its token file's owner.
    const user = await readSliceUser(this.engine(), spec.image);
    // A session volume of an older slice user (10001, or a previous build's uid) is given to this one first.
    await this.volumeOwners.adopt(spec.volume, spec.image, user, spec.homeId);
    try {
      return { id: (await this.engine().createContainer(containerCreateOptions(spec, user))).id, uid: user.uid };
    } catch (error) {
      if (!isAmbiguous(error)) throw error;
      await this.removeDuplicateNetworks(spec.homeId);
      return { id: (await this.engine().createContainer(containerCreateOptions(spec, user))).id, uid: user.uid };
    }
  }

  async start(containerId: string): Promise<void> {
    try {
      await this.engine().getContainer(containerId).start();
      await this.handOverToken(containerId);
    } catch (error) {
      if (statusOf(error) === 304) return this.handOverToken(containerId); // already started
      const twins = /network (slicedeck-net-([0-9a-f]+)) is ambiguous/i.exec(engineMessage(error));
      if (twins) {
        await this.removeDuplicateNetworks(twins[2]!);
        return this.start(containerId);
      }
      const lost = /network (slicedeck-net-([0-9a-f]+)) not found/i.exec(engineMessage(error));
      if (lost) {
        // Removed behind our back (by hand, or a prune): make it again and start once more.
        this.networks.delete(lost[2]!);
        await this.ensureNetwork(lost[2]!);
        return this.start(containerId);
      }
      if (isPortTaken(error)) {
        const port = Number(/:(\d+)/.exec(engineMessage(error))?.[1] ?? NaN);
        throw new PortTakenError(port, error);
      }
      throw translateEngineError(error, 'start the slice container');
    }
  }

  async restart(containerId: string, opts: { graceMs?: number } = {}): Promise<void> {
    try {
      await this.engine().getContainer(containerId).restart({ t: graceSeconds(opts.graceMs ?? DEFAULT_RESTART_GRACE_MS) });
    } catch (error) {
      if (isPortTaken(error)) throw new PortTakenError(Number(/:(\d+)/.exec(engineMessage(error))?.[1] ?? NaN), error);
      throw translateEngineError(error, 'restart the slice container');
    }
  }

  async remove(containerId: string): Promise<void> {
    this.pendingTokens.delete(containerId);
    try {
      await this.engine().getContainer(containerId).remove({ force: true, v: false });
    } catch (error) {
      const status = statusOf(error);
      // 404: already gone; 409: removal already in progress (another path is removing it).
      if (status === 404 || (status === 409 && /already in progress/i.test(engineMessage(error)))) return;
      throw translateEngineError(error, 'remove the slice container');
    }
  }

  async stopAndRemove(containerId: string, opts: { graceMs: number }): Promise<StopOutcome> {
    let wasRunning = true;
    try {
      // The engine sends SIGTERM, waits up to t seconds, then SIGKILLs; it answers once the container has stopped.
      await this.engine().getContainer(containerId).stop({ t: graceSeconds(opts.graceMs) });
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) {
        this.pendingTokens.delete(containerId);
        return { exitCode: null };
      }
      // 304: not running (never started, or ended by itself); 409: being removed already — remove() settles both.
      if (status !== 304 && status !== 409) throw translateEngineError(error, 'stop the slice container');
      wasRunning = false;
    }
    const exitCode = wasRunning ? ((await this.inspect(containerId))?.exitCode ?? null) : null;
    await this.remove(containerId);
    return { exitCode };
  }

  async inspect(containerId: string): Promise<ContainerState | null> {
    try {
      const info = await this.engine().getContainer(containerId).inspect();
      return {
        id: info.Id,
        running: info.State.Running === true,
        status: info.State.Status,
        exitCode: typeof info.State.ExitCode === 'number' ? info.State.ExitCode : null,
        oomKilled: info.State.OOMKilled === true,
        startedAt: epochOf(info.State.StartedAt),
        location: { ...LOCAL_LOCATION },
        problem: info.State.Error ? info.State.Error : null,
      };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw translateEngineError(error, 'inspect the slice container');
    }
  }

  async stats(containerId: string, opts: { timeoutMs: number }): Promise<RawContainerStats | null> {
    // Aborting the request (not just racing it) frees the engine's connection when it is slow.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
    try {
      // dockerode honours abortSignal on stats, though its typings leave it out.
      const options = { stream: false as const, abortSignal: controller.signal };
      const answer: unknown = await this.engine().getContainer(containerId).stats(options);
      return answer as RawContainerStats;
    } catch (error) {
      if (statusOf(error) === 404) return null;
      if (controller.signal.aborted) throw new SlicedeckError('timeout', `Docker took longer than ${opts.timeoutMs} ms to report the slice's stats.`);
      throw translateEngineError(error, 'read the slice container stats');
    } finally {
      clearTimeout(timer);
    }
  }

  async listManaged(homeId: string): Promise<ManagedContainer[]> {
    try {
      const containers = await this.engine().listContainers({ all: true, filters: { label: homeFilter(homeId) } });
      return containers.map((c) => ({
        id: c.Id,
        name: (c.Names?.[0] ?? '').replace(/^\//, ''),
        sliceId: c.Labels?.[LABELS.sliceId] ?? null,
        accountId: c.Labels?.[LABELS.accountId] ?? null,
        running: c.State === 'running',
        state: c.State,
        hostPort: c.Ports?.find((p) => p.PrivatePort === SLICE_INTERNAL_PORT && p.PublicPort)?.PublicPort ?? null,
      }));
    } catch (error) {
      throw translateEngineError(error, 'list the slice containers');
    }
  }

  async ensureVolume(name: string, labels: Record<string, string>): Promise<void> {
    try {
      await this.engine().getVolume(name).inspect();
      return;
    } catch (error) {
      if (statusOf(error) !== 404) throw translateEngineError(error, `look up the session volume ${name}`);
    }
    try {
      if (!this.settings.noexecVolumes) {
        await this.engine().createVolume({ Name: name, Labels: labels });
      } else {
        // noexec,nosuid,nodev: an overlay over three plain volumes (noexec-volume.ts).
        const layers = await Promise.all(
          VOLUME_PARTS.map(async (part) => {
            await this.engine().createVolume({ Name: volumePartName(name, part), Labels: { ...labels, [VOLUME_PART_LABEL]: part } });
            return [part, ((await this.engine().getVolume(volumePartName(name, part)).inspect()) as { Mountpoint: string }).Mountpoint] as const;
          }),
        );
        const paths = Object.fromEntries(layers) as Record<VolumePart, string>;
        await this.engine().createVolume({ Name: name, Labels: labels, Driver: 'local', DriverOpts: noexecVolumeOptions(paths) });
      }
      // Empty: Docker fills it from the image's /data, already the slice user's.
      this.volumeOwners.fresh(name);
    } catch (error) {
      throw translateEngineError(error, `create the session volume ${name}`);
    }
  }

  async localVolumePath(name: string): Promise<string | null> {
    // Only an engine on this machine's own socket has its Mountpoint on our filesystem.
    if (!(this.engine().modem as { socketPath?: string }).socketPath) return null;
    // A noexec volume keeps its files in its upper layer (there whether or not a slice runs).
    for (const candidate of [volumePartName(name, 'upper'), name]) {
      try {
        const volume = (await this.engine().getVolume(candidate).inspect()) as { Driver?: string; Mountpoint?: string };
        return volume.Driver === 'local' && volume.Mountpoint ? volume.Mountpoint : null;
      } catch (error) {
        if (statusOf(error) !== 404) throw translateEngineError(error, `look up the session volume ${candidate}`);
      }
    }
    return null;
  }

  async removeVolume(name: string): Promise<void> {
    // The volume first (in use: refused, and its layers stay with it), then its layers if it has them.
    for (const candidate of [name, ...VOLUME_PARTS.map((part) => volumePartName(name, part))]) {
      try {
        await this.engine().getVolume(candidate).remove();
      } catch (error) {
        if (statusOf(error) === 404) continue;
        throw translateEngineError(error, `remove the session volume ${candidate}`);
      }
    }
  }

  async listVolumes(homeId: string): Promise<ManagedVolume[]> {
    try {
      const answer = await this.engine().listVolumes({ filters: { label: homeFilter(homeId) } });
      // A noexec volume's layers are listed as the volume they belong to (removeVolume takes
      // them with it), once: even layers left by a create cut short are found and removed.
      const byName = new Map<string, ManagedVolume>();
      for (const v of answer.Volumes ?? []) {
        const name = sessionVolumeOf(v.Name, v.Labels?.[VOLUME_PART_LABEL]);
        if (!byName.has(name)) byName.set(name, { name, accountId: v.Labels?.[LABELS.accountId] ?? null });
      }
      return [...byName.values()];
    } catch (error) {
      throw translateEngineError(error, 'list the session volumes');
    }
  }

  async inspectNetwork(homeId: string): Promise<SliceNetwork | null> {
    const name = sliceNetworkName(homeId);
    for (let attempt = 0; ; attempt++) {
      try {
        const info = (await this.engine().getNetwork(name).inspect()) as NetworkInfo;
        return networkOf(info);
      } catch (error) {
        if (statusOf(error) === 404) return null;
        if (attempt === 0 && isAmbiguous(error)) {
          await this.removeDuplicateNetworks(homeId);
          continue;
        }
        throw translateEngineError(error, `look up the slice network ${name}`);
      }
    }
  }

  /**
   * Docker's duplicate check on create is not atomic: two creators at once (a host
   * killed mid-request whose create the engine still finishes, and its successor)
   * can make two networks of one name, which Docker then calls ambiguous. Keep the
   * oldest; remove the others that no container uses.
   */
  private async removeDuplicateNetworks(homeId: string): Promise<void> {
    const name = sliceNetworkName(homeId);
    const found = ((await this.engine().listNetworks({ filters: { name: [name] } })) as (NetworkInfo & { Created?: string })[])
      .filter((network) => network.Name === name)
      .sort((a, b) => (a.Created ?? '').localeCompare(b.Created ?? '') || a.Id.localeCompare(b.Id));
    for (const extra of found.slice(1)) {
      const info = (await this.engine().getNetwork(extra.Id).inspect().catch(() => null)) as NetworkInfo | null;
      if (!info || Object.keys(info.Containers ?? {}).length > 0) continue;
      await this.engine().getNetwork(extra.Id).remove().catch(() => undefined);
    }
  }

  async ensureNetwork(homeId: string): Promise<SliceNetwork> {
    const existing = await this.inspectNetwork(homeId);
    if (existing) return existing;
    const name = sliceNetworkName(homeId);
    try {
      await this.engine().createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: { [LABELS.managed]: 'true', [LABELS.home]: homeId },
        Options: { [ICC_OPTION]: 'false' },
      });
    } catch (error) {
      // 409: a concurrent ensureNetwork (another core over the same data dir) made it first.
      if (statusOf(error) !== 409) {
        const words = /non-overlapping|address pool/i.test(engineMessage(error))
          ? `${engineMessage(error)} — Docker has no free address range for another network; remove networks you no longer need (docker network prune) and try again`
          : engineMessage(error);
        throw new SlicedeckError('slice_failed', `Docker could not create the slice network ${name}: ${words}`);
      }
    }
    const made = await this.inspectNetwork(homeId);
    if (!made) throw new SlicedeckError('slice_failed', `Docker created the slice network ${name} but cannot find it. Try again.`);
    return made;
  }

  async removeNetworkIfUnused(homeId: string): Promise<boolean> {
    const name = sliceNetworkName(homeId);
    this.networks.delete(homeId);
    await this.removeDuplicateNetworks(homeId).catch(() => undefined);
    try {
      const info = (await this.engine().getNetwork(name).inspect()) as NetworkInfo;
      if (Object.keys(info.Containers ?? {}).length > 0) return false;
      await this.engine().getNetwork(name).remove();
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) return true;
      // 403: a container joined meanwhile ("has active endpoints"); it stays.
      if (status === 403 || status === 409) return false;
      throw translateEngineError(error, `remove the slice network ${name}`);
    }
  }
}

interface NetworkInfo {
  Name: string;
  Id: string;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] };
  Containers?: Record<string, unknown>;
}

function networkOf(info: NetworkInfo): SliceNetwork {
  const ipv4 = (info.IPAM?.Config ?? []).find((config) => config.Subnet && !config.Subnet.includes(':'));
  return { name: info.Name, id: info.Id, gateway: ipv4?.Gateway ?? null, subnet: ipv4?.Subnet ?? null };
}
