/**
 * The private swarm's figures, for `npm run bench` (folded into its table and JSON) and
 * `npm run bench:swarm` (alone): on the swarm of `npm run swarm:up`, leased as the tests
 * lease it (a swarm already up is reused and left up; one brought up here is taken down
 * by the last lease out).
 *  - pairs: a bare `docker service create` of the slice image (one replica, host-mode port)
 *    → first healthy answer, against SwarmRuntime create + start → healthy, pair by pair;
 *  - the crowd: N bare service creates at once → all healthy, against N connects at once
 *    through the core on the swarm → every first QR, same run, as a ratio;
 *  - a simulated slice's memory on a node, each node engine's own memory.
 * Needs root and Linux (network namespaces); `swarmAbsentReason()` says why not otherwise.
 * Bounded: every wait has a deadline.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Docker from 'dockerode';
import { SLICE_ENV, SLICE_INTERNAL_PORT } from '@shared/slice-protocol';
import { authVolumeName } from '../src/main/core/docker/labels';
import { SwarmRuntime } from '../src/main/core/docker/swarm-runtime';
import type { SliceSpec } from '../src/main/core/docker/runtime';
import { MANAGER, NODES, isRoot, leaseSwarm, releaseSwarm, swarmStatus } from '../scripts/lib/private-swarm.mjs';
import { percentile, round, summarize, type Summary } from './stats';
import { crowdRounds, type CrowdResult, type CrowdRound } from './crowd';

/** Ports on the nodes (each in its own network namespace): away from the tests' 48000–51999. */
const PAIR_PORT = 53_500;
const CROWD_PORT = 53_700;
const HOME = `benchswarm${randomBytes(4).toString('hex')}`;
const BARE_PREFIX = `sdsw-bench-bare-${randomBytes(3).toString('hex')}`;
export const MANAGER_SOCKET = MANAGER.dockerHost.slice('unix://'.length);

type Row = (metric: string, value: string) => void;

/** Null when this machine can run the private swarm; otherwise the words for why its figures are absent. */
export function swarmAbsentReason(): string | null {
  if (process.platform !== 'linux') return `the private swarm needs Linux (network namespaces); this is ${process.platform}`;
  if (!isRoot()) return 'the private swarm needs root (network namespaces); run `sudo npm run bench` for the swarm figures';
  return null;
}

export async function leaseBenchSwarm(image: string): Promise<{ ms: number; reused: boolean }> {
  const wasUp = Boolean((await swarmStatus()).swarm);
  try {
    const up = await leaseSwarm({ image, log: () => {} });
    return { ms: up.ms, reused: wasUp };
  } catch (error) {
    // Our lease goes with the failure: the last one out takes down a swarm that tests brought up.
    await releaseSwarm({ log: () => {} }).catch(() => undefined);
    throw error;
  }
}

export async function releaseBenchSwarm(): Promise<void> {
  await releaseSwarm({ log: () => {} });
}

async function healthyAt(addresses: string[], port: number, deadlineMs = 60_000): Promise<string> {
  const end = Date.now() + deadlineMs;
  const ask = async (address: string) => {
    const res = await fetch(`http://${address}:${port}/health`, { signal: AbortSignal.timeout(500) });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    return address;
  };
  for (;;) {
    // Every node at once: a bare service create does not say where its task lands, and a
    // node that just lost a task may hold the connection until the timeout.
    try {
      return await Promise.any(addresses.map(ask));
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`no healthy answer on :${port} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A fresh port per start: a port the last task held may still be held on its node for a moment. */
function spec(image: string, n: number, port: number): SliceSpec {
  const accountId = `acc_bench${n}`;
  return {
    homeId: HOME,
    accountId,
    sliceId: `slc_bench${n}_${randomBytes(3).toString('hex')}`,
    image,
    port,
    memoryBytes: 256 * 1024 * 1024,
    pidsLimit: 128,
    volume: authVolumeName(HOME, accountId),
    token: randomBytes(16).toString('hex'),
    cpus: 1,
    network: 'bridge',
    env: { [SLICE_ENV.token]: randomBytes(16).toString('hex'), [SLICE_ENV.port]: String(SLICE_INTERNAL_PORT), [SLICE_ENV.driver]: 'simulated', [SLICE_ENV.instanceId]: accountId },
  };
}

/** `docker service create` of the image with one replica and a host-mode port, as an operator would. */
async function bareService(docker: Docker, image: string, name: string, port: number): Promise<string> {
  const service = await docker.createService({
    Name: name,
    Labels: { 'slicedeck.bench': 'baseline' },
    TaskTemplate: {
      ContainerSpec: { Image: image, Env: [`${SLICE_ENV.token}=${randomBytes(16).toString('hex')}`, `${SLICE_ENV.driver}=simulated`] },
      RestartPolicy: { Condition: 'none' },
    },
    Mode: { Replicated: { Replicas: 1 } },
    EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: SLICE_INTERNAL_PORT, PublishedPort: port, PublishMode: 'host' }] },
  } as unknown as Docker.CreateServiceOptions);
  return (service as unknown as { id: string }).id;
}

/** Waits until no service of this bench is left, then gives the nodes a moment to free the ports (bounded). */
async function settle(docker: Docker) {
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    const ours = await docker.listServices({ filters: { label: [`slicedeck.home=${HOME}`] } });
    const bare = await docker.listServices({ filters: { name: [BARE_PREFIX] } });
    if (ours.length === 0 && bare.length === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 1_500));
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

export interface SwarmPairs {
  pairs: number;
  bareServiceCreateToHealthyMs: Summary;
  runtimeCreateStartToHealthyMs: Summary;
  ratio: { p50: number; p95: number };
  simulatedSliceOnNodeMiB: number | null;
  nodeEngineRssMiB: Record<string, number>;
}

/** Bare service create → healthy against SwarmRuntime create + start → healthy, pair by pair (first pair discarded). */
export async function swarmPairs(image: string, reps: number, row: Row): Promise<SwarmPairs> {
  const docker = new Docker({ socketPath: MANAGER_SOCKET });
  const runtime = new SwarmRuntime({ socketPath: MANAGER_SOCKET });
  const addresses = NODES.map((n) => n.address);
  const bare: number[] = [];
  const viaRuntime: number[] = [];
  const ratios: number[] = [];
  let sliceMiB: number | null = null;
  for (let i = 0; i <= reps; i++) {
    let t0 = performance.now();
    const serviceId = await bareService(docker, image, `${BARE_PREFIX}-pair`, PAIR_PORT + 2 * i);
    try {
      await healthyAt(addresses, PAIR_PORT + 2 * i);
    } finally {
      await docker.getService(serviceId).remove().catch(() => undefined);
    }
    const b = performance.now() - t0;
    await settle(docker);

    t0 = performance.now();
    const sliceSpec = spec(image, i, PAIR_PORT + 2 * i + 1);
    const id = await runtime.create(sliceSpec);
    try {
      await runtime.start(id);
      const location = (await runtime.inspect(id))!.location!;
      await healthyAt([location.address], sliceSpec.port);
      const r = performance.now() - t0;
      if (i === reps) {
        // A settled simulated slice's memory, read through the node's own engine.
        await new Promise((res) => setTimeout(res, 2_000));
        const stats = await runtime.stats(id, { timeoutMs: 10_000 });
        const usage = stats?.memory_stats?.usage ?? 0;
        const cache = stats?.memory_stats?.stats?.cache ?? stats?.memory_stats?.stats?.inactive_file ?? 0;
        sliceMiB = round((usage - cache) / 2 ** 20);
      }
      if (i > 0) {
        // The first pair warms both paths.
        bare.push(Math.round(b));
        viaRuntime.push(Math.round(r));
        ratios.push(r / b);
      }
    } finally {
      await runtime.remove(id);
      await runtime.removeVolume(sliceSpec.volume).catch(() => undefined);
    }
    await settle(docker);
  }
  // The runtime made this bench home's slice network (a swarm-scoped bridge and a config-only network on each node).
  await runtime.removeNetworkIfUnused(HOME).catch(() => undefined);
  const b = summarize(bare);
  const r = summarize(viaRuntime);
  const ratio = { p50: round(percentile(ratios, 50), 2), p95: round(percentile(ratios, 95), 2) };
  row('swarm: bare docker service create → first 200 (ms)', `p50 ${b.p50}  p95 ${b.p95}`);
  row('swarm: SwarmRuntime create + start → first 200 (ms)', `p50 ${r.p50}  p95 ${r.p95}`);
  row('  ratio to bare service create, pair by pair', `p50 ${ratio.p50}×  p95 ${ratio.p95}×  (${reps} pairs)`);
  row('swarm: simulated slice on a node (MiB, less cache)', `${sliceMiB}`);
  const nodeEngineRssMiB: Record<string, number> = {};
  for (const node of NODES) {
    const pid = Number(readFileSync(node.socket.replace(/\.sock$/, '.pid'), 'utf8'));
    nodeEngineRssMiB[node.name] = rssMiB(pid);
  }
  row('swarm: node engines (dockerd) resident (MiB)', Object.entries(nodeEngineRssMiB).map(([k, v]) => `${k} ${v}`).join(', '));
  return { pairs: reps, bareServiceCreateToHealthyMs: b, runtimeCreateStartToHealthyMs: r, ratio, simulatedSliceOnNodeMiB: sliceMiB, nodeEngineRssMiB };
}

/**
 * N bare service creates at once → every one healthy (wall time), then `connectCrowd` (N
 * connects at once through a core on the swarm → every first QR), round after round.
 */
export async function swarmCrowd(image: string, n: number, rounds: number, connectCrowd: (n: number) => Promise<number>): Promise<CrowdResult> {
  const docker = new Docker({ socketPath: MANAGER_SOCKET });
  const addresses = NODES.map((node) => node.address);
  let round = 0;
  const bareCrowd = async (count: number): Promise<number> => {
    const base = CROWD_PORT + (round++ % 4) * count;
    const started = performance.now();
    const ids = await Promise.all(Array.from({ length: count }, (_, k) => bareService(docker, image, `${BARE_PREFIX}-crowd${k}`, base + k)));
    try {
      await Promise.all(Array.from({ length: count }, (_, k) => healthyAt(addresses, base + k, 120_000)));
      return performance.now() - started;
    } finally {
      await Promise.all(ids.map((id) => docker.getService(id).remove().catch(() => undefined)));
      await settle(docker);
    }
  };
  return crowdRounds(n, rounds, bareCrowd, async (count) => {
    const ms = await connectCrowd(count);
    await settle(docker);
    return ms;
  });
}

export type { CrowdRound };
