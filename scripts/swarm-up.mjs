#!/usr/bin/env node
/**
 * `npm run swarm:up`: a private two-node Docker Swarm on this machine (see
 * scripts/lib/private-swarm.mjs for how it keeps off the main engine), with the slice
 * image loaded into both nodes. Ends with `DOCKER_HOST=...` for the manager.
 *
 *   node scripts/swarm-up.mjs [--image <ref>]
 */
import { MANAGER, swarmUp } from './lib/private-swarm.mjs';

const args = process.argv.slice(2);
const at = args.indexOf('--image');
const image = at >= 0 ? args[at + 1] : undefined;

try {
  const result = await swarmUp({ image, log: (line) => console.log(`swarm ▸ ${line}`) });
  console.log(`swarm ▸ ${result.reused ? 'already up' : 'up'} in ${(result.ms / 1000).toFixed(1)} s; nodes ${result.nodes.map((n) => `${n.name} (${n.role}) ${n.address}`).join(', ')}; image ${result.image}`);
  // The panel's Connect still reaches slices on 127.0.0.1 (the slice-service seam of issue 10 comes
  // next); until then the swarm serves the runtime's contract suite and `npm run bench:swarm`.
  console.log(`swarm ▸ use it: docker -H ${MANAGER.dockerHost} node ls; SLICEDECK_RUNTIME=swarm selects the Swarm runtime (docs/SCALING.md says what works on it yet)`);
  console.log(`DOCKER_HOST=${result.dockerHost}`);
} catch (error) {
  console.error(`swarm ▸ ${error.message}`);
  process.exit(1);
}
