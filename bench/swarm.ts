/**
 * `npm run bench:swarm`: the private swarm's figures, in one run:
 *  - `swarm:up` from nothing (when no swarm is up; a swarm that is up is reused and left up),
 *  - a bare `docker service create` of the slice image (one replica, host-mode port) → first
 *    healthy answer, against the SwarmRuntime's create + start → healthy, pair by pair,
 *  - a simulated slice's memory on a node, and each node engine's own memory.
 * Needs root (network namespaces). Bounded: every wait has a deadline.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Docker from 'dockerode';
import { SLICE_ENV, SLICE_INTERNAL_PORT } from '@shared/slice-protocol';
import { authVolumeName } from '../src/main/core/docker/labels';
import { SwarmRuntime } from '../src/main/core/docker/swarm-runtime';
import type { SliceSpec } from '../src/main/core/docker/runtime';
import { MANAGER, NODES, swarmDown, swarmStatus, swarmUp } from '../scripts/lib/private-swarm.mjs';
import { percentile, summarize } from './stats';

const REPS = Number(process.env.BENCH_SWARM_REPS ?? 8);
const PORT = 49_880;
const HOME = `benchswarm${randomBytes(4).toString('hex')}`;

function row(metric: string, value: string) {
  console.log(`  ${metric.padEnd(56)} ${value}`);
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
function spec(n: number, port = PORT + 2 * n + 1): SliceSpec {
  const accountId = `acc_bench${n}`;
  return {
    homeId: HOME,
    accountId,
    sliceId: `slc_bench${n}_${randomBytes(3).toString('hex')}`,
    image: process.env.SLICEDECK_IMAGE!,
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

/** Waits until no task of the removed service holds the port any more (bounded). */
async function settle(docker: Docker) {
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    const services = await docker.listServices({ filters: { label: [`slicedeck.home=${HOME}`] } });
    const bare = await docker.listServices({ filters: { name: ['sdsw-bench-bare'] } });
    if (services.length === 0 && bare.length === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // Containers are removed on the nodes a little after the service: give them a moment.
  await new Promise((r) => setTimeout(r, 1_500));
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

async function main() {
  // In a child: slice-image.mjs finds the repository from its own path, which bundling would move.
  process.env.SLICEDECK_IMAGE ??= execFileSync(
    process.execPath,
    ['--input-type=module', '-e', "const m = await import('./scripts/slice-image.mjs'); console.log((await m.ensureSliceImage({ log() {} })).pinned);"],
    { encoding: 'utf8' },
  ).trim();
  const image = process.env.SLICEDECK_IMAGE!;
  const wasUp = Boolean((await swarmStatus()).swarm);
  const up = await swarmUp({ image, log: () => {} });
  console.log(`\nPrivate swarm (2 nodes), image ${image}, ${REPS} pairs`);
  row('swarm:up (ms)', wasUp ? `already up (${up.ms} ms to check and load the image)` : `${up.ms} from nothing, image loaded into both nodes`);

  const docker = new Docker({ socketPath: MANAGER.dockerHost.slice('unix://'.length) });
  const runtime = new SwarmRuntime({ socketPath: MANAGER.dockerHost.slice('unix://'.length) });
  const addresses = NODES.map((n) => n.address);
  const bare: number[] = [];
  const viaRuntime: number[] = [];
  const ratios: number[] = [];
  try {
    for (let i = 0; i < REPS; i++) {
      let t0 = performance.now();
      const service = await docker.createService({
        Name: 'sdsw-bench-bare',
        TaskTemplate: { ContainerSpec: { Image: image, Env: Object.entries(spec(0).env).map(([k, v]) => `${k}=${v}`) }, RestartPolicy: { Condition: 'none' } },
        Mode: { Replicated: { Replicas: 1 } },
        EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: SLICE_INTERNAL_PORT, PublishedPort: PORT + 2 * i, PublishMode: 'host' }] },
      } as unknown as Docker.CreateServiceOptions);
      await healthyAt(addresses, PORT + 2 * i);
      const b = performance.now() - t0;
      await docker.getService((service as unknown as { id: string }).id).remove();
      await settle(docker);

      t0 = performance.now();
      const sliceSpec = spec(i);
      const id = await runtime.create(sliceSpec);
      await runtime.start(id);
      const location = (await runtime.inspect(id))!.location!;
      await healthyAt([location.address], sliceSpec.port);
      const r = performance.now() - t0;
      if (i === REPS - 1) {
        // A settled simulated slice's memory, read through the node's own engine.
        await new Promise((res) => setTimeout(res, 2_000));
        const stats = await runtime.stats(id, { timeoutMs: 10_000 });
        const usage = stats?.memory_stats?.usage ?? 0;
        const cache = stats?.memory_stats?.stats?.cache ?? stats?.memory_stats?.stats?.inactive_file ?? 0;
        row('simulated slice on a node, memory (MiB)', `${Math.round((usage - cache) / 1024 / 1024)}`);
      }
      await runtime.remove(id);
      await runtime.removeVolume(sliceSpec.volume).catch(() => undefined);
      await settle(docker);
      if (i === 0) continue; // the first pair warms both paths
      bare.push(Math.round(b));
      viaRuntime.push(Math.round(r));
      ratios.push(r / b);
    }
    const b = summarize(bare);
    const r = summarize(viaRuntime);
    const q = { p50: percentile(ratios, 50), p95: percentile(ratios, 95) };
    row('bare docker service create → first 200 (ms)', `p50 ${b.p50}  p95 ${b.p95}`);
    row('SwarmRuntime create + start → first 200 (ms)', `p50 ${r.p50}  p95 ${r.p95}`);
    row('  ratio, pair by pair', `p50 ${q.p50.toFixed(2)}×  p95 ${q.p95.toFixed(2)}×`);
    for (const node of NODES) {
      const pid = Number(readFileSync(node.socket.replace(/\.sock$/, '.pid'), 'utf8'));
      row(`node ${node.name} dockerd resident memory (MiB)`, String(rssMiB(pid)));
    }
  } finally {
    if (!wasUp) await swarmDown({ log: () => {} });
  }
}

main().catch((error: unknown) => {
  console.error(`bench:swarm failed: ${(error as Error).message}`);
  process.exit(1);
});
