/**
 * What the test suite must leave exactly as it found it on the machine's main Docker
 * engine and the host's network: the engine's swarm state, its default bridge's subnet,
 * no swarm-scoped network and no docker_gwbridge, and the host routes into Docker's
 * default pools, the private swarm's ranges and the default route. (A second engine put
 * into swarm mode naively once took 172.17.0.0/16 for its docker_gwbridge here and cut
 * every container of the main engine off: docs/SCALING.md.)
 *
 * Used twice: by runtime-swarm.test.ts right after the swarm suite, and by
 * scripts/run-tests.mjs around the whole of `npm test`.
 */
import Docker from 'dockerode';
import { HOST_VETH, RANGES, cidrsOverlap, hostRoutes } from './private-swarm.mjs';

const WATCHED = ['172.16.0.0/12', '192.168.0.0/16', ...Object.values(RANGES)];

function watched(route) {
  const prefix = route.split(' ')[0];
  if (prefix === 'default') return true;
  return WATCHED.some((range) => cidrsOverlap(range, prefix.includes('/') ? prefix : `${prefix}/32`));
}

/**
 * The snapshot. Routes leave out the main engine's user networks (br-*: test runs make
 * and drop them) and the private swarm's one veth (up only while a run holds its lease);
 * `linkdown` comes and goes with the main engine's containers.
 */
export async function snapshotMainEngine(docker = new Docker()) {
  const info = await docker.info();
  const bridge = await docker.getNetwork('bridge').inspect();
  const networks = await docker.listNetworks();
  const routes = (await hostRoutes()).map((r) => r.replace(/\s+linkdown\b/, '').trim());
  return {
    swarmState: info.Swarm?.LocalNodeState ?? '',
    swarmNodeId: info.Swarm?.NodeID ?? '',
    bridgeSubnets: (bridge.IPAM?.Config ?? []).map((c) => c.Subnet ?? ''),
    swarmNetworks: networks.filter((n) => n.Scope === 'swarm').map((n) => n.Name).sort(),
    hasGwbridgeNetwork: networks.some((n) => n.Name === 'docker_gwbridge'),
    routes: routes.filter((r) => !/ dev br-[0-9a-f]{12}\b/.test(r) && !r.includes(`dev ${HOST_VETH}`) && watched(r)).sort(),
    docker0Route: routes.find((r) => r.includes('dev docker0')),
  };
}

/** What changed between two snapshots, one line each (empty: nothing). */
export function mainEngineChanges(before, after) {
  const changes = [];
  for (const key of Object.keys(before)) {
    const was = JSON.stringify(before[key]);
    const now = JSON.stringify(after[key]);
    if (was !== now) changes.push(`${key}: was ${was}, now ${now}`);
  }
  return changes;
}
