/**
 * The connect flow on the real engine with real slice containers (PRODUCT §1).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVISIONING_STAGES, type Stage } from '@shared/stages';
import { SLICE_INTERNAL_PORT } from '@shared/slice-protocol';
import { makeTestCore, type TestCore } from '../helpers/core';
import { containersOfHome, docker, volumesOfHome } from '../helpers/docker';
import { isPortBindable } from '../../src/main/core/slices/ports';

let t: TestCore;
beforeAll(async () => {
  // Codes live long enough here that none rotates or expires while the tests look at them.
  t = await makeTestCore({ qrTtlMs: 20_000 });
});
afterAll(async () => {
  await t?.cleanup();
});

describe('connect', () => {
  it('walks the stages in order, each persisted with its timestamp before its work starts', async () => {
    const account = await t.call('accounts.add', { name: 'Alice' });
    const db = new Database(join(t.dataDir, 'slicedeck.db'), { readonly: true });
    const seen: { stage: Stage; persisted: string; at: number | null; viewAt: number | null }[] = [];
    const stop = t.core.events.subscribe((event) => {
      if (event.type !== 'slice' || event.data.accountId !== account.id) return;
      // Read the database at the moment the event is emitted: the stage must already be there.
      const row = db.prepare('SELECT stage, stage_started_at FROM slices WHERE account_id = ?').get(account.id) as { stage: string; stage_started_at: number };
      seen.push({ stage: event.data.stage, persisted: row.stage, at: row.stage_started_at, viewAt: event.data.stageStartedAt });
    });

    const result = await t.call('slices.connect', { accountId: account.id });
    expect(result.status).toBe('provisioned');
    const qrView = await t.events.waitForStage(account.id, 'qr');
    stop();
    db.close();

    // A view can change within a stage (the slice says what it waits for while initializing): the stages, in order, once each.
    const stages = seen.map((s) => s.stage).filter((stage, i, all) => i === 0 || all[i - 1] !== stage);
    expect(stages.slice(0, PROVISIONING_STAGES.length + 1)).toEqual([...PROVISIONING_STAGES, 'qr']);
    for (const s of seen) {
      expect(s.persisted).toBe(s.stage);
      expect(s.at).toBe(s.viewAt);
    }
    const times = seen.map((s) => s.at!);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(qrView).toMatchObject({ phase: 'qr', sliceId: result.sliceId, port: result.port, qr: { index: 1, total: 3 } });

    // Docker's own clock agrees that each piece of work began after its stage was recorded.
    const [container] = await containersOfHome(t.homeId, { accountId: account.id });
    const info = await docker.getContainer(container!.Id).inspect();
    const at = (stage: Stage) => seen.find((s) => s.stage === stage)!.at!;
    expect(Date.parse(info.Created)).toBeGreaterThanOrEqual(at('creating_container'));
    expect(Date.parse(info.State.StartedAt)).toBeGreaterThanOrEqual(at('starting'));

    // The audit trail holds the same walk.
    const history = await t.call('slices.history', { accountId: account.id });
    expect(history.filter((h) => h.type === 'stage').map((h) => h.stage).slice(0, 7)).toEqual([...PROVISIONING_STAGES, 'qr']);
  });

  it('creates a locked-down, labelled container published on 127.0.0.1 only', async () => {
    const account = (await t.call('accounts.list'))[0]!;
    const view = await t.call('slices.view', { accountId: account.id });
    const [summary] = await containersOfHome(t.homeId, { accountId: account.id });
    const info = await docker.getContainer(summary!.Id).inspect();
    expect(info.Config.Labels).toMatchObject({
      'slicedeck.managed': 'true',
      'slicedeck.home': t.homeId,
      'slicedeck.slice-id': view.sliceId,
      'slicedeck.account-id': account.id,
    });
    expect(info.HostConfig.PortBindings).toEqual({ [`${SLICE_INTERNAL_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(view.port) }] });
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.SecurityOpt).toEqual(['no-new-privileges']);
    expect(info.HostConfig.RestartPolicy?.Name).toBe('no');
    expect(info.HostConfig.Memory).toBe(t.core.config.sliceMemoryBytes);
    expect(info.HostConfig.PidsLimit).toBe(t.core.config.slicePidsLimit);
    expect(info.Mounts.find((m) => m.Destination === '/data')?.Name).toBe(`slicedeck-auth-${t.homeId}-${account.id}`);
    expect(info.Name).toBe(`/slicedeck-${t.homeId.slice(0, 8)}-${view.sliceId}`);
    // The token is a file in the container, never in its environment (core-hardening.test.ts).
    expect(info.Config.Env.some((e) => e.startsWith('SLICE_TOKEN='))).toBe(false);
    expect(info.Config.Env).toContain(`SLICE_TOKEN_FILE=/data/.slicedeck/${view.sliceId}.token`);
    // The token never reaches the view.
    expect(JSON.stringify(view)).not.toMatch(/token/i);
  });

  it('reuses a running, healthy slice: initialize is forwarded, nothing new is created', async () => {
    const account = (await t.call('accounts.list'))[0]!;
    const before = await t.call('slices.view', { accountId: account.id });
    const again = await t.call('slices.connect', { accountId: account.id });
    expect(again).toEqual({ status: 'initialized', sliceId: before.sliceId, port: before.port });
    expect((await t.call('slices.history', { accountId: account.id })).at(-1)).toMatchObject({ type: 'initialize', sliceId: before.sliceId });
    expect(await containersOfHome(t.homeId, { accountId: account.id })).toHaveLength(1);
  });

  it('tells the truth after a reload: a new core over the same data dir shows the same slice and follows it', async () => {
    const account = (await t.call('accounts.list'))[0]!;
    const before = await t.call('slices.view', { accountId: account.id });
    t = await t.reopen();
    const after = await t.call('slices.view', { accountId: account.id });
    expect(after).toMatchObject({ phase: 'qr', stage: 'qr', sliceId: before.sliceId, port: before.port, startedAt: before.startedAt });
    expect(after.qr).toBeDefined();
    expect(await containersOfHome(t.homeId, { accountId: account.id })).toHaveLength(1);
    // The new core follows the slice's events: a scan now moves it on.
    await t.call('sim.scan', { accountId: account.id });
    await t.events.waitForStage(account.id, 'linking');
  });

  it('ten fast Connects for one account give one container', async () => {
    const account = await t.call('accounts.add', { name: 'Bob' });
    const results = await Promise.all(Array.from({ length: 10 }, () => t.call('slices.connect', { accountId: account.id })));
    expect(results.filter((r) => r.status === 'provisioned')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'in_progress')).toHaveLength(9);
    expect(new Set(results.map((r) => r.sliceId)).size).toBe(1);
    expect(new Set(results.map((r) => r.port)).size).toBe(1);
    expect(await containersOfHome(t.homeId, { accountId: account.id })).toHaveLength(1);
  });

  it('destroy removes the container and frees the port, keeping the session volume', async () => {
    const account = (await t.call('accounts.list')).find((a) => a.name === 'Bob')!;
    const { port } = await t.call('slices.view', { accountId: account.id });
    const inUseBefore = (await t.call('system.status')).portsInUse;
    await t.call('slices.destroy', { accountId: account.id });
    expect(await containersOfHome(t.homeId, { accountId: account.id })).toHaveLength(0);
    expect(await isPortBindable(port!)).toBe(true);
    expect((await t.call('system.status')).portsInUse).toBe(inUseBefore - 1);
    expect(await t.call('slices.view', { accountId: account.id })).toMatchObject({ phase: 'setup', stage: 'idle' });
    expect(await volumesOfHome(t.homeId)).toContain(`slicedeck-auth-${t.homeId}-${account.id}`);
    // …and the account can connect again.
    expect((await t.call('slices.connect', { accountId: account.id })).status).toBe('provisioned');
  });

  it('removing an account destroys its slice and deletes its session volume', async () => {
    const account = (await t.call('accounts.list')).find((a) => a.name === 'Bob')!;
    await t.call('accounts.remove', { accountId: account.id });
    expect(await containersOfHome(t.homeId, { accountId: account.id })).toHaveLength(0);
    expect(await volumesOfHome(t.homeId)).not.toContain(`slicedeck-auth-${t.homeId}-${account.id}`);
    expect((await t.call('accounts.list')).map((a) => a.id)).not.toContain(account.id);
    expect(t.events.of('accounts').at(-1)!.map((a) => a.id)).not.toContain(account.id);
  });
});
