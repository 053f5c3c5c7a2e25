/**
 * A slice's Docker create options, built from a SliceSpec as pure data so they
 * can be hashed (the `slicedeck.spec-hash` label spots a slice created with
 * other settings) and read in one place: locked down, published on loopback only.
 */
import { createHash } from 'node:crypto';
import type { ContainerCreateOptions } from 'dockerode';
import { SLICE_ENV, SLICE_INTERNAL_PORT } from '@shared/slice-protocol';
import { LABELS, containerName } from './labels';
import type { SliceSpec } from './runtime';

/** Env keys that differ per slice and so stay out of the spec hash. */
const PER_SLICE_ENV: readonly string[] = [SLICE_ENV.token, SLICE_ENV.instanceId];

export function specHash(spec: SliceSpec): string {
  const env = Object.entries(spec.env)
    .filter(([key]) => !PER_SLICE_ENV.includes(key))
    .sort(([a], [b]) => a.localeCompare(b));
  const material = JSON.stringify({ image: spec.image, env, memory: spec.memoryBytes, pids: spec.pidsLimit });
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}

export function containerCreateOptions(spec: SliceSpec): ContainerCreateOptions {
  const exposed = `${SLICE_INTERNAL_PORT}/tcp`;
  return {
    name: containerName(spec.homeId, spec.sliceId),
    Image: spec.image,
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    Labels: {
      [LABELS.managed]: 'true',
      [LABELS.home]: spec.homeId,
      [LABELS.sliceId]: spec.sliceId,
      [LABELS.accountId]: spec.accountId,
      [LABELS.specHash]: specHash(spec),
    },
    ExposedPorts: { [exposed]: {} },
    HostConfig: {
      PortBindings: { [exposed]: [{ HostIp: '127.0.0.1', HostPort: String(spec.port) }] },
      Memory: spec.memoryBytes,
      // Same as Memory: no swap on top of the limit.
      MemorySwap: spec.memoryBytes,
      PidsLimit: spec.pidsLimit,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      RestartPolicy: { Name: 'no' },
      // Docker's init as PID 1: it reaps the processes Chromium leaves behind (Node as
      // PID 1 does not — three <defunct> per browser start) and passes signals on.
      Init: true,
      Mounts: [{ Type: 'volume', Source: spec.volume, Target: '/data' }],
      // Chromium needs more than Docker's 64 MB default /dev/shm.
      ShmSize: 256 * 1024 * 1024,
    },
  };
}
