/**
 * The engine going away mid-flow and coming back (issue 4): clear words while it
 * is gone, running slices are not torn down for a blip, and Connect works again
 * once it answers. Only this core's path to Docker is cut (a socket proxy), so
 * other tests sharing the engine are never disturbed.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCore, type TestCore } from '../helpers/core';
import { DockerSocketProxy } from '../helpers/docker-socket-proxy';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { containersOfHome } from '../helpers/docker';

let t: TestCore;
let proxy: DockerSocketProxy;
let socketDir: string;

beforeAll(async () => {
  socketDir = mkdtempSync(join(tmpdir(), 'slicedeck-sock-'));
  proxy = new DockerSocketProxy(join(socketDir, 'docker.sock'));
  await proxy.restore();
  t = await makeTestCore({ healthIntervalMs: 200, qrTtlMs: 30_000 }, { docker: { socketPath: proxy.path } });
});
afterAll(async () => {
  await proxy?.restore();
  await t?.cleanup();
  await proxy?.cut();
  rmSync(socketDir, { recursive: true, force: true });
});

describe('Docker going away mid-flow', () => {
  it('says so in words, keeps running slices, and recovers when the engine returns', async () => {
    const alice = await t.call('accounts.add', { name: 'Alice' });
    const bob = await t.call('accounts.add', { name: 'Bob' });
    const { sliceId } = await t.call('slices.connect', { accountId: alice.id });
    await t.events.waitForStage(alice.id, 'qr');

    await proxy.cut();
    const down = await t.events.waitFor('system', (s) => s.docker === 'unreachable', 30_000, 'docker to be reported unreachable');
    expect(down.dockerError).toMatch(/Docker is not answering/);
    await expect(t.call('slices.connect', { accountId: bob.id })).rejects.toMatchObject({ code: 'docker_unreachable', message: expect.stringMatching(/Start Docker/) });
    // A blip of the engine is no reason to tear down a slice that still answers.
    expect(await t.call('slices.view', { accountId: alice.id })).toMatchObject({ stage: 'qr', sliceId });

    await proxy.restore();
    await t.events.waitFor('system', (s) => s.docker === 'ok', 30_000, 'docker to be reported back');
    expect((await t.call('slices.connect', { accountId: bob.id })).status).toBe('provisioned');
    expect(await containersOfHome(t.homeId)).toHaveLength(2);
  });
});
