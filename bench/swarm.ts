/**
 * `npm run bench:swarm`: the private swarm's pairs alone (bare `docker service create` →
 * healthy against SwarmRuntime create + start → healthy, a slice's memory on a node, the
 * node engines' memory). `npm run bench` prints the same rows, and the swarm's crowd
 * baseline, in its full table (bench/swarm-figures.ts).
 */
import { execFileSync } from 'node:child_process';
import { leaseBenchSwarm, releaseBenchSwarm, swarmAbsentReason, swarmPairs } from './swarm-figures';

const REPS = Number(process.env.BENCH_SWARM_REPS ?? 8);

function row(metric: string, value: string) {
  console.log(`  ${metric.padEnd(56)} ${value}`);
}

async function main() {
  const absent = swarmAbsentReason();
  if (absent) throw new Error(absent);
  // In a child: slice-image.mjs finds the repository from its own path, which bundling would move.
  const image =
    process.env.SLICEDECK_IMAGE ??
    execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('./scripts/slice-image.mjs'); console.log((await m.ensureSliceImage({ log() {} })).pinned);"], { encoding: 'utf8' }).trim();
  const lease = await leaseBenchSwarm(image);
  console.log(`\nPrivate swarm (2 nodes), image ${image}, ${REPS} pairs`);
  row('swarm:up (ms)', lease.reused ? `already up (${lease.ms} ms to check and load the image)` : `${lease.ms} from nothing, image loaded into both nodes`);
  try {
    await swarmPairs(image, REPS, row);
  } finally {
    await releaseBenchSwarm();
  }
}

main().catch((error: unknown) => {
  console.error(`bench:swarm failed: ${(error as Error).message}`);
  process.exit(1);
});
