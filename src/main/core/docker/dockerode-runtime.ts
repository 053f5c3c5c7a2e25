/**
 * SliceRuntime on one Docker engine: a slice is a container, its SliceRef the container
 * id. Engine failures become SlicedeckErrors with words (engine.ts), so nothing above
 * this file sees a raw socket error; the home's network is one bridge (bridge-network.ts).
 */
import type Docker from 'dockerode';
import { SlicedeckError } from '@shared/errors';
import { SLICE_INTERNAL_PORT } from '@shared/slice-protocol';
import { DATA_MOUNT, containerCreateOptions, tokenArchive } from './container-spec';
import type { ProxySettings } from '@shared/proxy';
import { engineRemapsUsers, readSliceUser, type SliceUser } from './slice-user';
import { VolumeOwners } from './volume-owner';
import { VOLUME_PARTS, VOLUME_PART_LABEL, noexecVolumeOptions, sessionVolumeOf, volumePartName, type VolumePart } from './noexec-volume';
import { LABELS, homeFilter } from './labels';
import { DOCKER_UNREACHABLE_WORDS, engineGetter, engineMessage, graceSeconds, isConnectionFailure, readContainerStats, statusOf, translateEngineError, withinPingTimeout } from './engine';
import { ensureBridgeNetwork, inspectBridgeNetwork, isAmbiguous, removeBridgeNetworkIfUnused, removeDuplicateNetworks } from './bridge-network';
import { readEngineLogs, type LogRequest, type RawLogLine } from './container-logs';
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
} from './runtime';

/** A restart without a stated grace (a dead slice has nothing left to close). */
const DEFAULT_RESTART_GRACE_MS = 1_000;

function isPortTaken(error: unknown): boolean {
  return /port is already allocated|address already in use/i.test(engineMessage(error));
}

/** Docker writes "0001-01-01T00:00:00Z" for a container that never started. */
function epochOf(iso: string | undefined): number | null {
  const at = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(at) && at > 0 ? at : null;
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

  async create(spec: SliceSpec): Promise<SliceRef> {
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

  /** Session volumes given to the image's slice uid (volume-owner.ts). */
  private readonly volumeOwners = new VolumeOwners(() => this.engine());

  /**
   * Tokens to hand over right after start. `putArchive` costs a mount of the
   * container's filesystem (~20–100 ms); after start it overlaps the slice's own
   * boot, which waits for the file, instead of delaying the start.
   */
  private readonly pendingTokens = new Map<string, { sliceId: string; token: string; uid: number; proxy?: ProxySettings }>();

  private async handOverToken(ref: SliceRef): Promise<void> {
    const pending = this.pendingTokens.get(ref);
    if (!pending) return;
    try {
      await this.engine().getContainer(ref).putArchive(tokenArchive(pending.sliceId, pending.token, pending.uid, new Date(), pending.proxy), { path: DATA_MOUNT });
      this.pendingTokens.delete(ref);
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
      ensured = ensureBridgeNetwork(this.engine(), spec.homeId);
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
      await removeDuplicateNetworks(this.engine(), spec.homeId);
      return { id: (await this.engine().createContainer(containerCreateOptions(spec, user))).id, uid: user.uid };
    }
  }

  async start(ref: SliceRef): Promise<void> {
    try {
      await this.engine().getContainer(ref).start();
      await this.handOverToken(ref);
    } catch (error) {
      if (statusOf(error) === 304) return this.handOverToken(ref); // already started
      const twins = /network (slicedeck-net-([0-9a-f]+)) is ambiguous/i.exec(engineMessage(error));
      if (twins) {
        await removeDuplicateNetworks(this.engine(), twins[2]!);
        return this.start(ref);
      }
      const lost = /network (slicedeck-net-([0-9a-f]+)) not found/i.exec(engineMessage(error));
      if (lost) {
        // Removed behind our back (by hand, or a prune): make it again and start once more.
        this.networks.delete(lost[2]!);
        await ensureBridgeNetwork(this.engine(), lost[2]!);
        return this.start(ref);
      }
      if (isPortTaken(error)) {
        const port = Number(/:(\d+)/.exec(engineMessage(error))?.[1] ?? NaN);
        throw new PortTakenError(port, error);
      }
      throw translateEngineError(error, 'start the slice container');
    }
  }

  async restart(ref: SliceRef, opts: { graceMs?: number } = {}): Promise<void> {
    try {
      await this.engine().getContainer(ref).restart({ t: graceSeconds(opts.graceMs ?? DEFAULT_RESTART_GRACE_MS) });
    } catch (error) {
      if (isPortTaken(error)) throw new PortTakenError(Number(/:(\d+)/.exec(engineMessage(error))?.[1] ?? NaN), error);
      throw translateEngineError(error, 'restart the slice container');
    }
  }

  async remove(ref: SliceRef): Promise<void> {
    this.pendingTokens.delete(ref);
    try {
      await this.engine().getContainer(ref).remove({ force: true, v: false });
    } catch (error) {
      const status = statusOf(error);
      // 404: already gone; 409: removal already in progress (another path is removing it).
      if (status === 404 || (status === 409 && /already in progress/i.test(engineMessage(error)))) return;
      throw translateEngineError(error, 'remove the slice container');
    }
  }

  async stopAndRemove(ref: SliceRef, opts: { graceMs: number }): Promise<StopOutcome> {
    let wasRunning = true;
    try {
      // The engine sends SIGTERM, waits up to t seconds, then SIGKILLs; it answers once the container has stopped.
      await this.engine().getContainer(ref).stop({ t: graceSeconds(opts.graceMs) });
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) {
        this.pendingTokens.delete(ref);
        return { exitCode: null };
      }
      // 304: not running (never started, or ended by itself); 409: being removed already — remove() settles both.
      if (status !== 304 && status !== 409) throw translateEngineError(error, 'stop the slice container');
      wasRunning = false;
    }
    const exitCode = wasRunning ? ((await this.inspect(ref))?.exitCode ?? null) : null;
    await this.remove(ref);
    return { exitCode };
  }

  async inspect(ref: SliceRef): Promise<SliceRunState | null> {
    try {
      const info = await this.engine().getContainer(ref).inspect();
      return {
        ref: info.Id,
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

  async stats(ref: SliceRef, opts: { timeoutMs: number }): Promise<RawContainerStats | null> {
    try {
      return await readContainerStats(this.engine(), ref, opts.timeoutMs, 'Docker');
    } catch (error) {
      throw translateEngineError(error, 'read the slice container stats');
    }
  }

  logs(ref: SliceRef, opts: LogRequest): Promise<RawLogLine[] | null> {
    return readEngineLogs(this.engine(), `/containers/${encodeURIComponent(ref)}/logs?`, opts, "read the slice's log");
  }

  async listManaged(homeId: string): Promise<ManagedSlice[]> {
    try {
      const containers = await this.engine().listContainers({ all: true, filters: { label: homeFilter(homeId) } });
      return containers.map((c) => ({
        ref: c.Id,
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

  inspectNetwork(homeId: string): Promise<SliceNetwork | null> {
    return inspectBridgeNetwork(this.engine(), homeId);
  }

  ensureNetwork(homeId: string): Promise<SliceNetwork> {
    return ensureBridgeNetwork(this.engine(), homeId);
  }

  removeNetworkIfUnused(homeId: string): Promise<boolean> {
    this.networks.delete(homeId);
    return removeBridgeNetworkIfUnused(this.engine(), homeId);
  }

  /** One engine makes nothing per slice beside its container: only the home's network is left to sweep. */
  async sweepOrphans(homeId: string): Promise<SweepReport> {
    const report: SweepReport = { leftoversRemoved: 0, networkRemoved: false };
    if ((await this.listManaged(homeId)).length === 0 && (await this.inspectNetwork(homeId))) {
      report.networkRemoved = await this.removeNetworkIfUnused(homeId);
    }
    return report;
  }
}
