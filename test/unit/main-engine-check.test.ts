/**
 * The check npm test makes around the whole suite (scripts/run-tests.mjs): the main
 * engine's snapshot compared before and after. The snapshot itself is read from the real
 * engine in runtime-swarm.test.ts; here, only what counts as a change.
 */
import { describe, expect, it } from 'vitest';
import { mainEngineChanges, type MainEngineSnapshot } from '../../scripts/lib/main-engine.mjs';

const before: MainEngineSnapshot = {
  swarmState: 'inactive',
  swarmNodeId: '',
  bridgeSubnets: ['172.17.0.0/16'],
  swarmNetworks: [],
  hasGwbridgeNetwork: false,
  routes: ['172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1', 'default via 192.0.2.1 dev eth0'],
  docker0Route: '172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1',
};

describe('the main engine before and after the suite', () => {
  it('the same snapshot is no change', () => {
    expect(mainEngineChanges(before, structuredClone(before))).toEqual([]);
  });

  it('a docker_gwbridge taking 172.18/16 and the main engine put into swarm mode are each named', () => {
    const after = {
      ...before,
      swarmState: 'active',
      hasGwbridgeNetwork: true,
      routes: [...before.routes, '172.18.0.0/16 dev docker_gwbridge proto kernel scope link src 172.18.0.1'],
    };
    const changes = mainEngineChanges(before, after);
    expect(changes).toHaveLength(3);
    expect(changes.join('\n')).toMatch(/swarmState: was "inactive", now "active"/);
    expect(changes.join('\n')).toMatch(/hasGwbridgeNetwork: was false, now true/);
    expect(changes.join('\n')).toMatch(/routes: .*docker_gwbridge/);
  });

  it('a lost docker0 route is a change', () => {
    expect(mainEngineChanges(before, { ...before, docker0Route: undefined })).toEqual([expect.stringMatching(/^docker0Route: was ".*", now undefined$/)]);
  });
});
