/**
 * Slice containers run an init as PID 1: Node as PID 1 does not reap orphans, and every
 * Chromium start left three `<defunct>` processes behind (9 after three Connects, against
 * a pids limit of 512). slicedeck's images bring their own (`/sbin/slice-init`, the
 * engine's tini copied in execute-only, so it is non-dumpable: issue 19) as entrypoint,
 * and the host then leaves Docker's (`HostConfig.Init`, a readable host binary) out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCore, type TestCore } from '../helpers/core';
import { containersOfHome, docker, execIn as exec } from '../helpers/docker';
import { ensureChromiumImage } from '../helpers/images';
import { coreInternals } from '../../src/main/core';
import { buildSliceSpec } from '../../src/main/core/slices/slice-spec';
import { SliceClient } from '../../src/main/core/slice-client';
import type { SliceStatus } from '@shared/slice-protocol';

/** Prints every /proc/<pid>/stat line; node is the one program both slice images have (no sh, no ps). */
const LIST_PROCESSES = `const fs = require('fs');
for (const pid of fs.readdirSync('/proc').filter((name) => /^\\d+$/.test(name))) {
  try { process.stdout.write(fs.readFileSync('/proc/' + pid + '/stat', 'utf8')); } catch {}
}`;

/** Every process in the container as `pid state comm`, from /proc. */
async function processes(containerId: string): Promise<{ pid: number; state: string; comm: string }[]> {
  const text = await exec(containerId, ['node', '-e', LIST_PROCESSES]);
  return [...text.matchAll(/^(\d+) \((.*?)\) (\S) /gm)].map((m) => ({ pid: Number(m[1]), comm: m[2]!, state: m[3]! }));
}

describe('slice containers run an init that reaps', () => {
  let t: TestCore;
  beforeAll(async () => {
    t = await makeTestCore();
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it("creates every slice with the image's own init as PID 1 (not Docker's), so Node is not PID 1", async () => {
    const account = await t.call('accounts.add', { name: 'Quinn' });
    await t.call('slices.connect', { accountId: account.id });
    await t.events.waitForStage(account.id, 'qr');
    const [container] = await containersOfHome(t.homeId, { accountId: account.id });
    const info = await docker.getContainer(container!.Id).inspect();
    expect(info.HostConfig.Init).toBe(false);
    const procs = await processes(container!.Id);
    expect(procs.find((p) => p.pid === 1)?.comm).toBe('slice-init');
    expect(procs.some((p) => p.comm === 'node' && p.pid !== 1)).toBe(true);
    await t.call('slices.destroy', { accountId: account.id });
  });
});

describe('a real-driver slice (Chromium)', () => {
  let t: TestCore;
  beforeAll(async () => {
    const image = await ensureChromiumImage();
    t = await makeTestCore({ driver: 'whatsapp-web.js', image, sliceMemoryBytes: 1024 * 1024 * 1024 });
  }, 600_000);
  afterAll(async () => {
    await t?.cleanup();
  });

  it('leaves no <defunct> process after starting and stopping Chromium three times', async () => {
    // The host's own spec and runtime, but driven by hand so the container outlives the
    // client's failures (the host would remove it on the first `error`).
    const { runtime } = coreInternals(t.core);
    const port = t.core.config.portRange.to - 2;
    const token = 't'.repeat(43);
    const spec = buildSliceSpec(t.core.config, { homeId: t.homeId, accountId: 'acc_initcheck', sliceId: 'slc_initcheck', port, token });
    await runtime.ensureVolume(spec.volume, { 'slicedeck.managed': 'true', 'slicedeck.home': t.homeId, 'slicedeck.account-id': 'acc_initcheck' });
    const id = await runtime.create(spec);
    const client = new SliceClient({ port, token });
    try {
      await runtime.start(id);
      await client.waitForHealth({ timeoutMs: 60_000 });
      for (let start = 1; start <= 3; start++) {
        await client.initialize();
        // WhatsApp Web is unreachable from here: each start launches Chromium, fails, closes it.
        let status: SliceStatus | null = null;
        for (let poll = 0; poll < 600 && status?.state !== 'error'; poll++) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          status = await client.status();
        }
        expect(status?.state, `start ${start} should end in error`).toBe('error');
        expect(status?.error, 'Chromium started and WhatsApp Web was out of reach').toMatch(/WhatsApp Web could not be reached|net::ERR_/);
      }
      // Give the init a moment to collect the last browser's children (bounded).
      let zombies: { pid: number; comm: string }[] = [];
      for (let poll = 0; poll < 20; poll++) {
        zombies = (await processes(id)).filter((p) => p.state === 'Z');
        if (zombies.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(zombies).toEqual([]);
    } finally {
      client.close();
      await runtime.remove(id);
    }
  }, 300_000);
});
