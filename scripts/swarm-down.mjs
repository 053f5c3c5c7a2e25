#!/usr/bin/env node
/** `npm run swarm:down`: removes everything `npm run swarm:up` made (idempotent). */
import { swarmDown } from './lib/private-swarm.mjs';

try {
  const { ms } = await swarmDown({ log: (line) => console.log(`swarm ▸ ${line}`) });
  console.log(`swarm ▸ down in ${(ms / 1000).toFixed(1)} s: no engine, namespace, veth, bridge or data directory of the private swarm is left`);
} catch (error) {
  console.error(`swarm ▸ ${error.message}`);
  process.exit(1);
}
