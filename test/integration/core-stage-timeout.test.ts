/**
 * The host's safety timeout per stage: a slice that starts and keeps running but
 * never answers its health check must not hang the operator forever. When the
 * stage's timeout passes, the attempt ends in `error` with words, the container
 * is removed and the port freed. `linking` has its own (SLICEDECK_LINKING_TIMEOUT_MS):
 * a phone that scanned but whose link never finishes ends the same way.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCore, testConfig, type TestCore } from '../helpers/core';
import { containersOfHome, docker } from '../helpers/docker';

/** Our own registry-free Node base (made by scripts/slice-image.mjs), running a process that never listens. */
const MUTE_IMAGE = `slicedeck-test-mute:${process.pid}`;

describe('a slice that runs but never answers', () => {
  let t: TestCore;

  beforeAll(async () => {
    const base = `slicedeck-base-node:${process.version}`;
    const context = mkdtempSync(join(tmpdir(), 'slicedeck-mute-'));
    writeFileSync(join(context, 'Dockerfile'), `FROM ${base}\nCMD ["node", "-e", "setInterval(() => {}, 1 << 30)"]\n`);
    try {
      execFileSync('docker', ['build', '--quiet', '-t', MUTE_IMAGE, context], { stdio: 'pipe' });
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
    t = await makeTestCore({ image: MUTE_IMAGE, stageTimeoutsMs: { ...testConfig('/tmp').stageTimeoutsMs, waiting_for_health: 1_500 } });
  }, 120_000);

  afterAll(async () => {
    await t?.cleanup();
    await docker.getImage(MUTE_IMAGE).remove({ force: true }).catch(() => undefined);
  });

  it('ends in error at the stage timeout, with words, and leaves no container or port behind', async () => {
    const account = await t.call('accounts.add', { name: 'Mute' });
    await expect(t.call('slices.connect', { accountId: account.id })).rejects.toMatchObject({ code: 'timeout' });

    const view = await t.call('slices.view', { accountId: account.id });
    expect(view.phase).toBe('error');
    // The stage timer owns the deadline (the health wait's own limit is a later backstop).
    expect(view.error).toMatch(/took longer than 2 s at “waiting for health”/);
    expect(view.error).toMatch(/Connect to retry/);
    // It really was the health wait that ran out: the stage before error was waiting_for_health.
    const history = await t.call('slices.history', { accountId: account.id });
    const stages = history.map((row) => row.stage).filter(Boolean);
    expect(stages).toContain('waiting_for_health');
    expect(stages).not.toContain('initializing');

    expect(await containersOfHome(t.homeId, { accountId: account.id })).toHaveLength(0);
    expect((await t.call('system.status')).portsInUse).toBe(0);
  });
});

describe('a link that never finishes', () => {
  let t: TestCore;
  beforeAll(async () => {
    // 100 contacts, 2 per 500 ms tick: the simulated link takes about 25 s, far past the linking timeout.
    t = await makeTestCore({ linkingTimeoutMs: 2_000, simContacts: 100, simContactIntervalMs: 500, qrTtlMs: 20_000 });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('ends in error at the linking timeout, with words, and leaves no container behind', async () => {
    const account = await t.call('accounts.add', { name: 'Slow link' });
    await t.call('slices.connect', { accountId: account.id });
    await t.events.waitForStage(account.id, 'qr');
    await t.call('sim.scan', { accountId: account.id });
    await t.events.waitForStage(account.id, 'linking');
    const view = await t.events.waitForStage(account.id, 'error', 20_000);
    // The slice said what it was waiting for, and the words name it.
    expect(view.error).toMatch(/did not finish linking within 2 s: the slice was waiting for WhatsApp Web to finish loading the account, and was stopped/);
    expect(view.error).toMatch(/Connect to retry/);
    expect(await containersOfHome(t.homeId, { accountId: account.id })).toHaveLength(0);
  });
});
