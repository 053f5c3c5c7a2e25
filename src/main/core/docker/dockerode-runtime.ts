/**
 * The real SliceRuntime over dockerode. Engine failures are translated here into
 * SlicedeckErrors with words, so nothing above this file sees a raw socket error.
 */
import Docker from 'dockerode';
import { SlicedeckError } from '@shared/errors';
import { SLICE_INTERNAL_PORT } from '@shared/slice-protocol';
import { containerCreateOptions } from './container-spec';
import { LABELS, homeFilter } from './labels';
import { PortTakenError, type ContainerState, type ManagedContainer, type RawContainerStats, type SliceRuntime, type SliceSpec } from './runtime';

const PING_TIMEOUT_MS = 3_000;

export const DOCKER_UNREACHABLE_WORDS =
  'Docker is not answering. Start Docker (Docker Desktop, or `sudo systemctl start docker` / `dockerd`), or point DOCKER_HOST at a running engine, then try again.';

interface EngineError {
  statusCode?: number;
  code?: string;
  message?: string;
  json?: { message?: string };
}

function isConnectionFailure(error: unknown): boolean {
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

function isPortTaken(error: unknown): boolean {
  return /port is already allocated|address already in use/i.test(engineMessage(error));
}

/** Docker writes "0001-01-01T00:00:00Z" for a container that never started. */
function epochOf(iso: string | undefined): number | null {
  const at = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(at) && at > 0 ? at : null;
}

/** One engine: every slice is here, reached on loopback. */
export const LOCAL_LOCATION = { node: 'local', address: '127.0.0.1' } as const;

export class DockerodeRuntime implements SliceRuntime {
  readonly kind = 'docker' as const;
  private readonly docker: Docker | null;
  private readonly constructionError: SlicedeckError | null;

  constructor(options?: Docker.DockerOptions) {
    try {
      this.docker = new Docker(options);
      this.constructionError = null;
    } catch (error) {
      // A malformed DOCKER_HOST must not crash the host: every call answers with words.
      this.docker = null;
      this.constructionError = new SlicedeckError('docker_unreachable', `${DOCKER_UNREACHABLE_WORDS} (${engineMessage(error)})`);
    }
  }

  private engine(): Docker {
    if (!this.docker) throw this.constructionError!;
    return this.docker;
  }

  async ping(): Promise<void> {
    const engine = this.engine();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        engine.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error('ping timed out'), { code: 'ETIMEDOUT' })), PING_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      throw isConnectionFailure(error) ? translateEngineError(error, 'answer') : new SlicedeckError('docker_unreachable', `${DOCKER_UNREACHABLE_WORDS} (${engineMessage(error)})`);
    } finally {
      clearTimeout(timer);
    }
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
    try {
      const container = await this.engine().createContainer(containerCreateOptions(spec));
      return container.id;
    } catch (error) {
      if (statusOf(error) === 404 && /no such image/i.test(engineMessage(error))) {
        throw new SlicedeckError('image_missing', `The slice image ${spec.image} is not in Docker. Build it with \`npm run slice:image\`, then click Connect again.`);
      }
      throw translateEngineError(error, 'create the slice container');
    }
  }

  async start(containerId: string): Promise<void> {
    try {
      await this.engine().getContainer(containerId).start();
    } catch (error) {
      if (statusOf(error) === 304) return; // already started
      if (isPortTaken(error)) {
        const port = Number(/:(\d+)/.exec(engineMessage(error))?.[1] ?? NaN);
        throw new PortTakenError(port, error);
      }
      throw translateEngineError(error, 'start the slice container');
    }
  }

  async restart(containerId: string): Promise<void> {
    try {
      await this.engine().getContainer(containerId).restart({ t: 1 });
    } catch (error) {
      if (isPortTaken(error)) throw new PortTakenError(Number(/:(\d+)/.exec(engineMessage(error))?.[1] ?? NaN), error);
      throw translateEngineError(error, 'restart the slice container');
    }
  }

  async remove(containerId: string): Promise<void> {
    try {
      await this.engine().getContainer(containerId).remove({ force: true, v: false });
    } catch (error) {
      const status = statusOf(error);
      // 404: already gone; 409: removal already in progress (another path is removing it).
      if (status === 404 || (status === 409 && /already in progress/i.test(engineMessage(error)))) return;
      throw translateEngineError(error, 'remove the slice container');
    }
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
      await this.engine().createVolume({ Name: name, Labels: labels });
    } catch (error) {
      throw translateEngineError(error, `create the session volume ${name}`);
    }
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.engine().getVolume(name).remove();
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw translateEngineError(error, `remove the session volume ${name}`);
    }
  }

  async listVolumes(homeId: string): Promise<string[]> {
    try {
      const answer = await this.engine().listVolumes({ filters: { label: homeFilter(homeId) } });
      return (answer.Volumes ?? []).map((v) => v.Name);
    } catch (error) {
      throw translateEngineError(error, 'list the session volumes');
    }
  }
}
