/**
 * A session linked a moment ago survives the end of its slice — with the real
 * whatsapp-web.js in the real Chromium slice image, against the stand-in WhatsApp Web
 * (test/standin-whatsapp/), whose page keeps half of its link in localStorage, as
 * WhatsApp Web does: Chromium commits it to the profile lazily,
 * seconds after the write, so a SIGKILL soon after linking loses it. Each case links a new account, ends its slice 0.5 s after Ready, then Connects
 * again: Ready from the saved session, no code.
 *
 * - Disconnect (slices.destroy);
 * - quitting the app with "destroy the slices" (core.close({ destroySlices: true })), then
 *   a new core over the same data dir;
 * - a host process stopped with SIGTERM (one that destroys its slices when it quits, as the
 *   desktop's "Destroy and quit"), then a new host over the same data dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminalStage } from '@shared/stages';
import type { SliceView } from '@shared/types';
import { loadConfig, type CoreConfig } from '../../src/main/core/config';
import { makeTestCore, workerPortRange, type TestCore } from '../helpers/core';
import { ContainerEnds } from '../helpers/container-ends';
import { containersOfHome, removeHome } from '../helpers/docker';
import { ensureChromiumImage } from '../helpers/images';
import { spawnHost } from '../helpers/spawn-host';
import { bridgeGatewayAddress, SLICE_NETWORK } from '../standin-whatsapp/gateway';
import { StandinWhatsApp } from '../standin-whatsapp/server';

/** How soon after Ready the slice is ended: well inside the seconds Chromium takes to commit localStorage. */
const END_AFTER_READY_MS = 500;
const SIGTERM = 15;

let standin: StandinWhatsApp;
let settings: Partial<CoreConfig>;
let image = '';
const homes = new Set<string>();
const cleanups: (() => Promise<void>)[] = [];

async function waitForView(t: TestCore, accountId: string, test: (view: SliceView) => boolean, timeoutMs: number, what: string, since = 0): Promise<SliceView> {
  const view = await t.events.waitFor('slice', (v) => v.accountId === accountId && (v.stageStartedAt ?? 0) >= since && (test(v) || isTerminalStage(v.stage)), timeoutMs, what);
  if (!test(view)) throw new Error(`Waiting for ${what}, the attempt ended at "${view.stage}": ${view.error ?? 'no words'}`);
  return view;
}

async function openCore(dataDir?: string): Promise<TestCore> {
  const t = await makeTestCore(settings, dataDir ? { dataDir } : {});
  homes.add(t.homeId);
  cleanups.push(() => t.cleanup());
  return t;
}

/** A new account: Connect → its first code scanned on the stand-in → Ready. */
async function linkAccount(t: TestCore, name: string): Promise<string> {
  const accountId = (await t.call('accounts.add', { name })).id;
  await t.call('slices.connect', { accountId });
  const code = await waitForView(t, accountId, (v) => v.stage === 'qr' && v.qr !== undefined, 120_000, `${name}'s first code`);
  standin.scan(code.qr!.payload);
  await waitForView(t, accountId, (v) => v.stage === 'ready', 90_000, `${name} Ready after the scan`);
  return accountId;
}

/** Connect again: Ready from the saved session, and the new slice never showed a code. */
async function expectRestoredWithoutCode(t: TestCore, accountId: string): Promise<void> {
  const since = Date.now();
  const { sliceId } = await t.call('slices.connect', { accountId });
  const settled = await t.events.waitFor(
    'slice',
    (v) => v.accountId === accountId && v.sliceId === sliceId && (v.stageStartedAt ?? 0) >= since && (v.stage === 'ready' || v.stage === 'qr' || isTerminalStage(v.stage)),
    120_000,
    'Ready from the saved session (or a code)',
  );
  expect(settled.stage, settled.stage === 'qr' ? 'the saved session was lost: WhatsApp Web showed a new code' : settled.error).toBe('ready');
  expect(t.events.of('slice').filter((v) => v.sliceId === sliceId && v.qr)).toEqual([]);
  expect((await t.call('slices.history', { accountId })).some((row) => row.type === 'session.restored' && row.at >= since)).toBe(true);
}

beforeAll(async () => {
  image = await ensureChromiumImage();
  // The link in localStorage: what Chromium commits lazily and a SIGKILL right after linking loses.
  standin = await StandinWhatsApp.start({ host: await bridgeGatewayAddress(SLICE_NETWORK), codes: 3, firstCodeMs: 20_000, nextCodeMs: 20_000, syncMs: 1_000 });
  const { chromiumExtraArgs } = loadConfig({ HOME: '/nowhere', SLICEDECK_CHROMIUM_ARGS: JSON.stringify(standin.chromiumArgs()) });
  settings = { driver: 'whatsapp-web.js', image, chromiumExtraArgs, qrTtlMs: 30_000, sliceMemoryBytes: 1024 * 1024 * 1024 };
}, 600_000);

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  await standin?.close();
  const left: string[] = [];
  for (const home of homes) {
    left.push(...(await containersOfHome(home)).map((c) => c.Id));
    await removeHome(home);
  }
  if (left.length > 0) throw new Error(`the tests left ${left.length} container(s) behind`);
}, 180_000);

describe('a session linked 0.5 s before its slice ends is restored without a code (real library)', () => {
  it('Disconnect 0.5 s after Ready, then Connect', async () => {
    const t = await openCore();
    const ends = await ContainerEnds.of(t.homeId);
    try {
      const accountId = await linkAccount(t, 'Disconnect');
      const [container] = await containersOfHome(t.homeId, { accountId });
      await sleep(END_AFTER_READY_MS);
      await t.call('slices.destroy', { accountId });
      // The slice closed its client and Chromium on SIGTERM, by itself.
      expect.soft(await ends.died(container!.Id)).toEqual({ signals: [SIGTERM], exitCodes: [0] });
      await expectRestoredWithoutCode(t, accountId);
    } finally {
      ends.close();
    }
  }, 400_000);

  it('quit the app (destroying the slices) 0.5 s after Ready, a new core over the same data, then Connect', async () => {
    const first = await openCore();
    const accountId = await linkAccount(first, 'Quit');
    await sleep(END_AFTER_READY_MS);
    await first.core.close({ destroySlices: true });
    expect(await containersOfHome(first.homeId)).toEqual([]);
    const next = await openCore(first.dataDir);
    expect(next.homeId).toBe(first.homeId);
    await expectRestoredWithoutCode(next, accountId);
  }, 400_000);

  it('a host process stopped with SIGTERM 0.5 s after Ready, a new host over the same data, then Connect', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'slicedeck-graceful-host-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const range = workerPortRange();
    const host = await spawnHost({
      SLICEDECK_DATA_DIR: dataDir,
      SLICEDECK_DRIVER: 'whatsapp-web.js',
      SLICEDECK_IMAGE: image,
      SLICEDECK_CHROMIUM_ARGS: JSON.stringify(standin.chromiumArgs()),
      SLICEDECK_QR_TTL_MS: '30000',
      SLICEDECK_PORT_RANGE: `${range.from}-${range.to}`,
      SLICEDECK_RECONCILE_INTERVAL_MS: '0',
      SLICEDECK_HEALTH_INTERVAL_MS: '0',
      HOST_PRINT_QR: '1',
      HOST_STOP_DESTROYS: '1',
      HOST_ACCOUNT_NAME: 'Host restart',
    });
    try {
      const code = await host.waitForLine((line) => line.type === 'slice' && line.stage === 'qr' && !!line.qr, 120_000);
      standin.scan(code.qr!);
      const ready = await host.waitForLine((line) => line.type === 'slice' && line.stage === 'ready', 90_000);
      await sleep(END_AFTER_READY_MS);
      expect(await host.stop(120_000)).toBe(0);
      expect(host.lines.some((line) => line.type === 'closed')).toBe(true);
      const next = await openCore(dataDir);
      expect(await containersOfHome(next.homeId)).toEqual([]);
      await expectRestoredWithoutCode(next, ready.accountId!);
    } finally {
      await host.kill9();
    }
  }, 400_000);
});
