/**
 * A slice as a Swarm service spec: one engine's container settings (container-spec.ts)
 * translated to Swarm's terms — one replica asked for by `start`, restart condition
 * none, the same labels on the service and its task's container, the same limits and
 * locked-down settings, the token as a mounted secret, the port published in host mode
 * on the node the task lands on.
 *
 * Swarm on API 1.41 (Docker 20.10) has no per-service no-new-privileges or swap
 * setting: all capabilities are dropped and the image runs as an unprivileged user,
 * and the memory limit is the limit (Swarm sets no extra swap for it).
 */
import type Docker from 'dockerode';
import { SLICE_ENV, SLICE_INTERNAL_PORT } from '@shared/slice-protocol';
import { SLICE_HOME, SLICE_LOG_CONFIG, SLICE_TMPFS, containerCreateOptions } from '../container-spec';
import { sliceNetworkName, tokenSecretName, volumeLabels } from '../labels';
import type { SliceSpec } from '../runtime';
import type { SliceUser } from '../slice-user';

/** Where the token secret is mounted in the slice (Swarm mounts secrets under /run/secrets). */
export const SWARM_TOKEN_FILE = '/run/secrets/slicedeck-token';
/** The slice user's HOME on a swarm (see swarmTmpfsMounts): Chromium keeps its caches there. */
export const SWARM_SLICE_HOME = '/tmp';
/** Swarm reserves this share of a slice's memory limit when it places it (an idle slice uses ~160–260 MiB of 1 GiB). */
const RESERVATION_SHARE = 4;

/**
 * The service spec of one slice, on the home's slice network, with the token secret
 * (its id) mounted as the token file. `stopGraceMs`: Swarm stops a task (a restart, a
 * scale to none, the service removed) with the grace of its own spec, fixed here.
 */
export function serviceSpec(spec: SliceSpec, secretId: string, user: SliceUser, stopGraceMs: number): Docker.CreateServiceOptions {
  const container = containerCreateOptions(spec, user);
  const labels = container.Labels!;
  return {
    Name: container.name,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: spec.image,
        Env: swarmEnv(container.Env ?? []),
        Labels: labels,
        Secrets: [
          {
            SecretID: secretId,
            SecretName: tokenSecretName(spec.homeId, spec.sliceId),
            File: { Name: SWARM_TOKEN_FILE.slice('/run/secrets/'.length), UID: String(user.uid), GID: String(user.uid), Mode: 0o400 },
          },
        ],
        User: container.User,
        Init: container.HostConfig!.Init,
        CapabilityDrop: ['ALL'],
        // As on one engine: a read-only root, with tmpfs scratch space where the slice and Chromium write.
        ReadOnly: true,
        // A slice that may hold a session gets the time to close its browser (see SwarmRuntime.stopAndRemove).
        StopGracePeriod: stopGraceMs * 1_000_000,
        Mounts: [
          { Type: 'volume', Source: spec.volume, Target: '/data', VolumeOptions: { Labels: volumeLabels(spec.homeId, spec.accountId) } },
          // One engine's ShmSize (services have no --shm-size). The slice's Chromium runs with
          // --disable-dev-shm-usage, so its shared memory is in the /tmp tmpfs below, which is what
          // it needs (without it the browser does not start: test/integration/swarm-real-wwebjs.ts).
          { Type: 'tmpfs', Target: '/dev/shm', TmpfsOptions: { SizeBytes: 256 * 1024 * 1024 } },
          ...swarmTmpfsMounts(),
        ],
      },
      Resources: {
        Limits: { MemoryBytes: spec.memoryBytes, Pids: spec.pidsLimit, NanoCPUs: Math.round(spec.cpus * 1e9) },
        Reservations: { MemoryBytes: Math.floor(spec.memoryBytes / RESERVATION_SHARE) },
      },
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      // One slice must not fill its node's disk with its output (one engine's rotation).
      LogDriver: { Name: SLICE_LOG_CONFIG.Type, Options: { ...SLICE_LOG_CONFIG.Config } },
      // The home's network that create makes sure of (spec.network names the same one when the core builds the spec).
      Networks: [{ Target: sliceNetworkName(spec.homeId) }],
      Placement: spec.node ? { Constraints: [`node.id==${spec.node}`] } : {},
    },
    // Created with no replica: `start` asks for the one task, as `docker start` would.
    Mode: { Replicated: { Replicas: 0 } },
    EndpointSpec: {
      Ports: [{ Protocol: 'tcp', TargetPort: SLICE_INTERNAL_PORT, PublishedPort: spec.port, PublishMode: 'host' }],
    },
  } as unknown as Docker.CreateServiceOptions;
}

/**
 * Whether an image reference names a registry host, by Docker's own rule: the part before
 * the first `/` is a host when it has a `.` or a `:`, or is `localhost` (`slicedeck-slice:1`
 * and `library/x` have none: Docker Hub, which Swarm nodes here cannot reach).
 */
export function hasRegistryHost(image: string): boolean {
  const slash = image.indexOf('/');
  if (slash < 0) return false;
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost';
}

/**
 * One engine's tmpfs scratch mounts (SLICE_TMPFS) as service mounts, less the slice
 * user's HOME. A service's tmpfs takes only a size and a mode on API 1.41 (no uid/gid),
 * and over a directory the image has (/home/slice) it takes that directory's mode with
 * root as owner, so the slice user could not write there: on a swarm HOME is /tmp
 * (SWARM_SLICE_HOME), sticky and world-writable like any /tmp, where only the slice user runs.
 */
export function swarmTmpfsMounts(): { Type: 'tmpfs'; Target: string; TmpfsOptions: { SizeBytes: number; Mode: number } }[] {
  return Object.entries(SLICE_TMPFS)
    .filter(([target]) => target !== SLICE_HOME)
    .map(([target, options]) => {
      const size = /(?:^|,)size=(\d+)m(?:,|$)/.exec(options);
      if (!size) throw new Error(`SLICE_TMPFS ${target} has no size in MiB: ${options}`);
      return { Type: 'tmpfs', Target: target, TmpfsOptions: { SizeBytes: Number(size[1]) * 1024 * 1024, Mode: 0o1777 } };
    });
}

/**
 * The environment of a service's slice: the token file is the mounted secret; no
 * token (SLICE_TOKEN) is ever in it, so `docker service inspect` does not show it.
 */
function swarmEnv(env: string[]): string[] {
  const ours = [`${SLICE_ENV.tokenFile}=`, `${SLICE_ENV.token}=`, 'HOME='];
  return [...env.filter((entry) => !ours.some((name) => entry.startsWith(name))), `${SLICE_ENV.tokenFile}=${SWARM_TOKEN_FILE}`, `HOME=${SWARM_SLICE_HOME}`];
}
