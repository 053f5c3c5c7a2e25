/**
 * One Docker engine as both runtimes meet it: how to connect (options, a DOCKER_HOST
 * that cannot be parsed, a ping that does not hang), how to read what it threw, and
 * how to turn that into SlicedeckError words, so nothing above the runtimes sees a raw
 * socket error. DockerodeRuntime, SwarmRuntime (manager and node engines) and
 * network.ts all connect through here.
 */
import Docker from 'dockerode';
import { SlicedeckError } from '@shared/errors';
import type { RawContainerStats } from './runtime';

const PING_TIMEOUT_MS = 3_000;

/** Docker's bridge option that turns inter-container traffic off on one network. */
export const ICC_OPTION = 'com.docker.network.bridge.enable_icc';

export const DOCKER_UNREACHABLE_WORDS =
  'Docker is not answering. Start Docker (Docker Desktop, or `sudo systemctl start docker` / `dockerd`), or point DOCKER_HOST at a running engine, then try again.';

/** The parts of what dockerode throws that are read here. */
interface EngineError {
  statusCode?: number;
  code?: string;
  message?: string;
  json?: { message?: string };
}

/** The engine did not answer at all (socket missing or refused, permission, network). */
export function isConnectionFailure(error: unknown): boolean {
  const code = (error as EngineError)?.code;
  return ['ECONNREFUSED', 'ENOENT', 'EACCES', 'EPERM', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code ?? '');
}

/** The engine's own words for what went wrong. */
export function engineMessage(error: unknown): string {
  const e = error as EngineError;
  return e?.json?.message ?? e?.message ?? String(error);
}

/** The HTTP status the engine answered with (404 gone, 409 conflict, 304 already so …). */
export function statusOf(error: unknown): number | undefined {
  return (error as EngineError)?.statusCode;
}

/** The engine still holds the thing (a secret named by a service, a network with endpoints). */
export const isInUse = (error: unknown) => /in use/i.test(engineMessage(error));

/** Turns whatever dockerode threw into words for the operator; `doing` completes "Docker could not …". */
export function translateEngineError(error: unknown, doing: string): SlicedeckError {
  if (error instanceof SlicedeckError) return error;
  if (isConnectionFailure(error)) {
    const code = (error as EngineError).code;
    const why = code === 'EACCES' || code === 'EPERM' ? ' (permission denied on the Docker socket: add your user to the `docker` group)' : '';
    return new SlicedeckError('docker_unreachable', `${DOCKER_UNREACHABLE_WORDS}${why}`);
  }
  return new SlicedeckError('slice_failed', `Docker could not ${doing}: ${engineMessage(error)}`);
}

/** Docker's stop timeout is whole seconds: a grace rounds up, never down to an immediate kill. */
export function graceSeconds(graceMs: number): number {
  return Math.max(1, Math.ceil(graceMs / 1000));
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

/** dockerode's options for a Docker endpoint written as DOCKER_HOST is (unix:// or tcp://). */
export function engineOptionsFor(endpoint: string): Docker.DockerOptions {
  if (endpoint.startsWith('unix://')) return { socketPath: endpoint.slice('unix://'.length) };
  const url = new URL(endpoint.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http' };
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

/**
 * One stats reading of a container (`GET /containers/{id}/stats?stream=false`), aborted
 * (not just raced) after `timeoutMs` so a slow engine's connection is freed. null when
 * the container does not exist; SlicedeckError('timeout') naming `who` when it took too
 * long; anything else the engine threw is rethrown as it is, for the caller's words.
 */
export async function readContainerStats(engine: Docker, containerId: string, timeoutMs: number, who: string): Promise<RawContainerStats | null> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    // dockerode honours abortSignal on stats, though its typings leave it out.
    const answer: unknown = await engine.getContainer(containerId).stats({ stream: false as const, abortSignal: controller.signal } as never);
    return answer as RawContainerStats;
  } catch (error) {
    if (statusOf(error) === 404) return null;
    if (controller.signal.aborted) throw new SlicedeckError('timeout', `${who} took longer than ${timeoutMs} ms to report the slice's stats.`);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** How often, and how far apart, removeWhenFree tries again while the thing is still in use. */
const BUSY_RETRIES = 50;
const BUSY_RETRY_MS = 200;

/**
 * Removes something the engine may still hold for a moment (a secret named by a service
 * being removed, a volume or network of a task container going away): done when removed
 * or already gone (404); while `busy(error)`, tried again, bounded. Resolves with null
 * when done, or with the last "busy" error when it still was at the end; other errors throw.
 */
export async function removeWhenFree(remove: () => Promise<unknown>, busy: (error: unknown) => boolean): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    try {
      await remove();
      return null;
    } catch (error) {
      if (statusOf(error) === 404) return null;
      if (!busy(error)) throw error;
      if (attempt >= BUSY_RETRIES) return error;
      await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
    }
  }
}
