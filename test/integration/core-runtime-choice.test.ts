/**
 * SLICEDECK_RUNTIME picks the core's runtime. With `swarm` against an engine that is no
 * swarm manager (this machine's main engine), the core still comes up, and the panel's
 * Docker status and Connect say what is wrong and what to do.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { coreInternals } from '../../src/main/core';
import { makeTestCore, type TestCore } from '../helpers/core';
import { docker } from '../helpers/docker';

describe('SLICEDECK_RUNTIME', () => {
  const cores: TestCore[] = [];
  afterAll(async () => {
    for (const t of cores) await t.cleanup();
  });

  it('gives the docker runtime by default', async () => {
    const t = await makeTestCore();
    cores.push(t);
    expect(coreInternals(t.core).runtime.kind).toBe('docker');
  });

  it('gives the swarm runtime for swarm, which says in words that the engine is no swarm manager', async () => {
    const info = (await docker.info()) as { Swarm?: { ControlAvailable?: boolean } };
    expect(info.Swarm?.ControlAvailable, 'this test needs a main engine that is not a swarm manager').not.toBe(true);
    const t = await makeTestCore({ runtime: 'swarm' });
    cores.push(t);
    expect(coreInternals(t.core).runtime.kind).toBe('swarm');
    const status = await t.call('system.status');
    expect(status.docker).toBe('unreachable');
    expect(status.dockerError).toMatch(/SLICEDECK_RUNTIME=swarm, but the engine at DOCKER_HOST is not a swarm manager.*npm run swarm:up/);
    const account = await t.call('accounts.add', { name: 'Sam' });
    await expect(t.call('slices.connect', { accountId: account.id })).rejects.toThrow(/not a swarm manager/);
  });
});
