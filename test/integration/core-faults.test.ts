/**
 * Faults an operator can meet: the port range runs out, Docker does not answer.
 * Each ends in a typed error with words, never a crash or a leak.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch } from '@shared/dispatch';
import { createCore } from '../../src/main/core';
import { makeTestCore, testConfig, workerPortRange, type TestCore } from '../helpers/core';
import { containersOfHome } from '../helpers/docker';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('port range exhausted', () => {
  it('refuses the second account with words naming SLICEDECK_PORT_RANGE and its value', async () => {
    const one = workerPortRange().from;
    const t: TestCore = await makeTestCore({ portRange: { from: one, to: one } });
    cleanups.push(() => t.cleanup());
    const alice = await t.call('accounts.add', { name: 'Alice' });
    const bob = await t.call('accounts.add', { name: 'Bob' });
    expect((await t.call('slices.connect', { accountId: alice.id })).port).toBe(one);

    const refusal = t.call('slices.connect', { accountId: bob.id });
    await expect(refusal).rejects.toMatchObject({ code: 'ports_exhausted' });
    const message = ((await refusal.catch((e: unknown) => e)) as Error).message;
    expect(message).toContain('SLICEDECK_PORT_RANGE');
    expect(message).toContain(String(one));
    expect(await t.call('slices.view', { accountId: bob.id })).toMatchObject({ phase: 'error', error: message });
    expect(await containersOfHome(t.homeId, { accountId: bob.id })).toHaveLength(0);

    // Freeing Alice's port lets Bob connect.
    await t.call('slices.destroy', { accountId: alice.id });
    expect((await t.call('slices.connect', { accountId: bob.id })).port).toBe(one);
  });
});

describe('Docker unreachable', () => {
  it('starts anyway, reports it in system.status, and refuses Connect with words', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'slicedeck-nodocker-'));
    const core = await createCore({
      config: testConfig(dataDir),
      logger: pino({ level: 'silent' }),
      docker: { socketPath: join(dataDir, 'no-such-docker.sock') },
    });
    cleanups.push(async () => {
      await core.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const status = await dispatch(core.handlers, 'system.status', undefined);
    expect(status).toMatchObject({ ok: true, result: { docker: 'unreachable', dockerError: expect.stringMatching(/Start Docker/) } });

    const added = await dispatch(core.handlers, 'accounts.add', { name: 'Frank' });
    expect(added.ok).toBe(true);
    const accountId = (added as { result: { id: string } }).result.id;
    const connect = await dispatch(core.handlers, 'slices.connect', { accountId });
    expect(connect).toMatchObject({ ok: false, error: { code: 'docker_unreachable', message: expect.stringMatching(/Docker is not answering/) } });
    const view = await dispatch(core.handlers, 'slices.view', { accountId });
    expect(view).toMatchObject({ ok: true, result: { phase: 'error', error: expect.stringMatching(/Docker is not answering/) } });
  });
});

describe('bad input', () => {
  it('answers unknown accounts with not_found and malformed ids with invalid_input', async () => {
    const t = await makeTestCore();
    cleanups.push(() => t.cleanup());
    await expect(t.call('slices.connect', { accountId: 'acc_doesnotexist' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(t.call('slices.connect', { accountId: '../etc' })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(t.call('accounts.add', { name: '   ' })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});

describe('a slice that never gets healthy', () => {
  it('ends in error with words and its container removed', async () => {
    // 8 MB is far too little for Node: the slice is killed before it ever answers.
    const t = await makeTestCore({ sliceMemoryBytes: 8 * 1024 * 1024, stageTimeoutsMs: { ...testConfig('/tmp').stageTimeoutsMs, waiting_for_health: 20_000 } });
    cleanups.push(() => t.cleanup());
    const account = await t.call('accounts.add', { name: 'Ivy' });
    await expect(t.call('slices.connect', { accountId: account.id })).rejects.toMatchObject({ code: expect.stringMatching(/slice_failed|timeout/) });
    const view = await t.call('slices.view', { accountId: account.id });
    expect(view.phase).toBe('error');
    // Detected when the container dies, not at the (20 s) stage timeout.
    expect(view.error).toMatch(/stopped while starting \(exit code \d+(, out of memory — raise SLICEDECK_SLICE_MEMORY_MB)?\)\. Click Connect to retry/);
    expect(await containersOfHome(t.homeId, { accountId: account.id })).toHaveLength(0);
    expect((await t.call('system.status')).portsInUse).toBe(0);
  });
});

describe('slice image missing', () => {
  it('is reported by system.status and refused by Connect with what to do', async () => {
    const t = await makeTestCore({ image: 'slicedeck-no-such-image:never' });
    cleanups.push(() => t.cleanup());
    expect(await t.call('system.status')).toMatchObject({ docker: 'ok', image: 'missing', imageName: 'slicedeck-no-such-image:never' });
    const account = await t.call('accounts.add', { name: 'Jay' });
    await expect(t.call('slices.connect', { accountId: account.id })).rejects.toMatchObject({ code: 'image_missing', message: expect.stringMatching(/npm run slice:image/) });
    expect(await t.call('slices.view', { accountId: account.id })).toMatchObject({ phase: 'error', error: expect.stringMatching(/npm run slice:image/) });
    expect((await t.call('system.status')).portsInUse).toBe(0);
  });
});
