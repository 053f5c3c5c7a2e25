/**
 * What `system.status` reports, and the `system` event when it changes:
 * whether Docker answers (with words when not), whether the slice image exists,
 * and the settings an operator needs to see.
 */
import { isSlicedeckError } from '@shared/errors';
import type { SystemStatus } from '@shared/types';
import type { CoreConfig } from './config';
import type { Store } from './db/store';
import type { SliceRuntime } from './docker/runtime';
import { DOCKER_UNREACHABLE_WORDS } from './docker/dockerode-runtime';
import type { EventBus } from './events';
import packageJson from '../../../package.json';

export const VERSION: string = (packageJson as { version?: string }).version ?? '0.0.0';

export class SystemMonitor {
  private lastKey: string | null = null;
  private lastDocker: SystemStatus['docker'] | null = null;

  constructor(private readonly deps: { config: CoreConfig; store: Store; runtime: SliceRuntime; bus: EventBus; homeId: string }) {}

  async status(): Promise<SystemStatus> {
    const { config, runtime, store, homeId } = this.deps;
    let docker: SystemStatus['docker'] = 'ok';
    let dockerError: string | undefined;
    let image: SystemStatus['image'] = 'missing';
    try {
      await runtime.ping();
      image = (await runtime.imagePresent(config.image)) ? 'present' : 'missing';
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
      homeId,
      version: VERSION,
    };
    if (dockerError) status.dockerError = dockerError;
    this.noteChange(status);
    return status;
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

  /** Emits `system` when docker or image status changed since the last look (and at once if Docker is down at first look). */
  private noteChange(status: SystemStatus): void {
    const key = `${status.docker}/${status.image}`;
    const first = this.lastKey === null;
    this.lastDocker = status.docker;
    if (key === this.lastKey) return;
    this.lastKey = key;
    if (!first || status.docker !== 'ok') this.deps.bus.emit('system', status);
  }
}
