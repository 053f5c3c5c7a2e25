/**
 * What `system.status` reports, and the `system` event when it changes:
 * whether Docker answers (with words when not), whether the slice image exists,
 * and the settings an operator needs to see.
 */
import { isSlicedeckError } from '@shared/errors';
import type { SystemStatus } from '@shared/types';
import type { Logger } from 'pino';
import type { CoreConfig } from './config';
import type { Store } from './db/store';
import type { SliceRuntime } from './docker/runtime';
import { DOCKER_UNREACHABLE_WORDS } from './docker/engine';
import { sliceUidWarning } from './docker/slice-uid-check';
import type { SliceUser } from './docker/slice-user';
import type { EventBus } from './events';
import packageJson from '../../../package.json';

export const VERSION: string = (packageJson as { version?: string }).version ?? '0.0.0';

export class SystemMonitor {
  private lastKey: string | null = null;
  private lastDocker: SystemStatus['docker'] | null = null;
  /** Set by the image build (image-build.ts) while it runs; `status()` then says `building`. */
  private building = false;
  /** Words of the last failed build, until the image is there. */
  private imageError: string | undefined;

  constructor(private readonly deps: { config: CoreConfig; store: Store; runtime: SliceRuntime; bus: EventBus; homeId: string; logger?: Pick<Logger, 'warn' | 'info'> }) {}

  async status(): Promise<SystemStatus> {
    const { config, runtime, store, homeId } = this.deps;
    let docker: SystemStatus['docker'] = 'ok';
    let dockerError: string | undefined;
    let image: SystemStatus['image'] = 'missing';
    let sliceUser: SliceUser | undefined;
    try {
      await runtime.ping();
      // While a build runs the tag may already exist half-way (or an old one): say `building`.
      if (this.building) image = 'building';
      else image = (await runtime.imagePresent(config.image)) ? 'present' : 'missing';
      if (image === 'present') {
        sliceUser = await runtime.sliceUser(config.image);
        if (this.remapped === null) this.remapped = await runtime.remapsUsers();
      }
    } catch (error) {
      docker = 'unreachable';
      dockerError = isSlicedeckError(error) ? error.message : DOCKER_UNREACHABLE_WORDS;
    }
    const status: SystemStatus = {
      docker,
      image,
      imageName: config.image,
      driver: config.driver,
      simulation: config.driver === 'simulated',
      portRange: { ...config.portRange },
      portsInUse: store.portsInUse(),
      dataDir: config.dataDir,
      mediaMaxBytes: config.mediaMaxBytes,
      homeId,
      version: VERSION,
    };
    if (dockerError) status.dockerError = dockerError;
    if (sliceUser) {
      status.sliceUid = sliceUser.uid;
      if (this.remapped) status.usernsRemap = true;
      const warning = this.uidWarning(sliceUser);
      if (warning) status.sliceUidWarning = warning;
    }
    if (image === 'present') this.imageError = undefined;
    if (this.imageError && image === 'missing') status.imageError = this.imageError;
    this.noteChange(status);
    return status;
  }

  /** The start-up check's words for this uid, asked of the system once per uid (getent) and logged once. */
  private checkedUid: { uid: number; warning: string | null } | null = null;
  /** Whether the engine remaps user namespaces: asked once (null until then). */
  private remapped: boolean | null = null;
  private uidWarning(user: SliceUser): string | null {
    if (this.checkedUid?.uid !== user.uid) {
      const warning = sliceUidWarning(user, this.deps.config.image, undefined, this.remapped === true);
      this.checkedUid = { uid: user.uid, warning };
      if (warning) this.deps.logger?.warn({ sliceUid: user.uid }, warning);
      if (this.remapped) this.deps.logger?.info({ sliceUid: user.uid }, 'the Docker engine remaps user namespaces (userns-remap): slices run as a subordinate uid of the host; keep it on');
    }
    return this.checkedUid.warning;
  }

  /** Pings the engine for an operation that needs it; a change of reachability is published. */
  async requireDocker(): Promise<void> {
    const before = this.lastDocker;
    try {
      await this.deps.runtime.ping();
      if (before === 'unreachable') void this.status().catch(() => undefined);
    } catch (error) {
      if (before !== 'unreachable') void this.status().catch(() => undefined);
      throw error;
    }
  }

  /** The image build's progress: the next `status()` reports (and publishes) it. */
  setBuild(state: { building: true } | { building: false; error?: string }): void {
    this.building = state.building;
    if (state.building) this.imageError = undefined;
    else this.imageError = state.error;
  }

  /**
   * Emits `system` when docker, image or build error changed since the last look; at
   * first look only when there is something to act on (Docker down, a build running or failed).
   */
  private noteChange(status: SystemStatus): void {
    const key = `${status.docker}/${status.image}/${status.imageError ?? ''}/${status.sliceUidWarning ?? ''}`;
    const first = this.lastKey === null;
    this.lastDocker = status.docker;
    if (key === this.lastKey) return;
    this.lastKey = key;
    if (!first || status.docker !== 'ok' || status.image === 'building' || status.imageError || status.sliceUidWarning) this.deps.bus.emit('system', status);
  }
}
