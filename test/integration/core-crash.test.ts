/**
 * kill -9 of the host INSIDE each provisioning stage's work, then a restart over
 * the same data dir (PRODUCT §5; issues 4 and 13). Docker owns what exists,
 * SQLite what was intended; the reconciler repairs the difference, and for each
 * stage there is exactly one right repair:
 *
 * - pending, allocating_port, creating_container: nothing was started, so nothing
 *   can be finished → `error` with the interrupted words, no container, no port;
 * - starting, waiting_for_health, initializing: a healthy container exists → the
 *   new host adopts that very container and finishes the work (→ codes);
 * - qr: the slice is showing codes → adopted as it is, the same code on screen.
 *
 * The host process holds at the core's stage hook (a fixed point inside each
 * stage's work, see StagePoint) and is killed there, so each case is one state,
 * every time. After the restart every port of the range is bind-tested and the
 * account's session volume checked.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PROVISIONING_STAGES, STAGE_INFO, type ProvisioningStage } from '@shared/stages';
import type { SliceView } from '@shared/types';
import { makeTestCore, workerPortRange } from '../helpers/core';
import { containersOfHome, docker, removeHome, sessionVolumeSet, volumesOfHome } from '../helpers/docker';
import { killableHostEnv, spawnHost } from '../helpers/spawn-host';
import { isPortBindable } from '../../src/main/core/slices/ports';
import { INTERRUPTED_WORDS } from '../../src/main/core/slices/slice-service';
import { authVolumeName } from '../../src/main/core/docker/labels';
import { coreInternals } from '../../src/main/core';
import { SliceTokens } from '../../src/main/core/secrets/slice-tokens';

const range = workerPortRange();

type CrashPoint = ProvisioningStage | 'qr';

interface Expected {
  /** What the reconciler makes of it. */
  repair: 'interrupted' | 'resumed' | 'adopted';
  /** Whether the account's session volume exists (created in creating_container, never removed by a crash). */
  volume: boolean;
}

const EXPECTED: Record<CrashPoint, Expected> = {
  pending: { repair: 'interrupted', volume: false },
  allocating_port: { repair: 'interrupted', volume: false },
  creating_container: { repair: 'interrupted', volume: true },
  starting: { repair: 'resumed', volume: true },
  waiting_for_health: { repair: 'resumed', volume: true },
  initializing: { repair: 'resumed', volume: true },
  qr: { repair: 'adopted', volume: true },
};

/** The slices row as the killed host left it on disk (read-only, before anything repairs it). */
interface DiskRow {
  slice_id: string | null;
  stage: string;
  port: number | null;
  container_id: string | null;
  token: string | null;
  qr_json: string | null;
}
function rowOnDisk(dataDir: string): DiskRow {
  const db = new Database(join(dataDir, 'slicedeck.db'), { readonly: true });
  try {
    return db.prepare('SELECT slice_id, stage, port, container_id, token, qr_json FROM slices').get() as DiskRow;
  } finally {
    db.close();
  }
}

/** Until the slice at `port` answers its (open) health route; bounded. */
async function waitUntilAnswers(port: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the slice on port ${port} did not answer within 30 s`);
}

/** Ports something LISTENS on in this network namespace (/proc/net/tcp{,6}, state 0A). */
function listeningPorts(): Set<number> {
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '0A' && local) ports.add(parseInt(local.split(':')[1]!, 16));
    }
  }
  return ports;
}

/**
 * Every port of the range bind-tested: free, except `held` (the adopted slice's),
 * which must be taken. The engine and the machine are shared with other
 * checkouts' tests (same worker ranges), so a taken port is only held against
 * this home when something listens on it that no other home's container
 * publishes (a client socket's ephemeral port is nobody's leak); one nobody
 * explains is re-tested for a moment, as it may be on its way out.
 */
async function expectPortsFree(homeId: string, held: number | null): Promise<void> {
  const taken: number[] = [];
  for (let port = range.from; port <= range.to; port++) if (!(await isPortBindable(port))) taken.push(port);
  const ours: number[] = [];
  for (const port of taken) {
    if (port === held) {
      ours.push(port);
      continue;
    }
    let explained = false;
    for (let look = 0; look < 20 && !explained; look++) {
      if (look > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      explained = !listeningPorts().has(port) || (await isPortBindable(port)) || (await publishedByOtherHomes(homeId)).has(port);
    }
    if (!explained) ours.push(port);
  }
  expect(ours, `ports of ${range.from}-${range.to} held by this home or by nobody known`).toEqual(held === null ? [] : [held]);
}

/** Host ports published by containers that are not this home's (other checkouts' runs on the same engine). */
async function publishedByOtherHomes(homeId: string): Promise<Set<number>> {
  const ports = new Set<number>();
  for (const container of await docker.listContainers({ all: true })) {
    if (container.Labels['slicedeck.home'] === homeId) continue;
    for (const published of container.Ports) if (published.PublicPort) ports.add(published.PublicPort);
  }
  return ports;
}

async function waitForView(read: () => Promise<SliceView>, test: (view: SliceView) => boolean, what: string): Promise<SliceView> {
  const deadline = Date.now() + 30_000;
  let view = await read();
  while (!test(view)) {
    if (Date.now() > deadline) throw new Error(`the view never became ${what}; last: ${JSON.stringify(view)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    view = await read();
  }
  return view;
}

describe('a host killed with -9 inside a provisioning stage', () => {
  it.each([...PROVISIONING_STAGES, 'qr'] as CrashPoint[])('at %s: the one right repair after a restart', async (point) => {
    const expected = EXPECTED[point];
    const dataDir = mkdtempSync(join(tmpdir(), 'slicedeck-crash-'));
    let homeId = '';
    try {
      const host = await spawnHost({
        ...killableHostEnv(dataDir, range),
        ...(point === 'qr' ? {} : { HOST_PAUSE_AT: point }),
      });
      homeId = (await host.waitForLine((line) => line.type === 'home')).homeId!;
      if (point === 'qr') await host.waitForLine((line) => line.type === 'slice' && line.stage === 'qr');
      else await host.waitForLine((line) => line.type === 'paused' && line.stage === point);

      // Where the work stood: proves the kill lands inside the stage, not before or after it.
      const before = rowOnDisk(dataDir);
      expect(before.stage).toBe(point);
      const containersBefore = await containersOfHome(homeId);
      if (point === 'pending') expect(before.port).toBeNull();
      else expect(before.port).not.toBeNull();
      if (point === 'pending' || point === 'allocating_port') expect(containersBefore).toHaveLength(0);
      else expect(containersBefore).toHaveLength(1);
      if (point === 'creating_container') {
        // Docker made it, the host died before storing its id: only its labels can find it.
        expect(before.container_id).toBeNull();
        expect(containersBefore[0]!.State).toBe('created');
      }
      // A slice the new host would find answering (the condition under which it must be finished).
      if (expected.repair !== 'interrupted') await waitUntilAnswers(before.port!);
      if (point === 'initializing') {
        // Held before `initialize`: the slice was never asked to start WhatsApp, so any code
        // seen after the restart was asked for by the new host.
        const status = (await fetch(`http://127.0.0.1:${before.port}/api/status`, { headers: { Authorization: `Bearer ${SliceTokens.open(dataDir).forSlice(before.slice_id!)}` } }).then((r) => r.json())) as { qr: unknown };
        expect(status.qr).toBeNull();
      }
      await host.kill9();

      const t = await makeTestCore({}, { dataDir });
      try {
        const [account] = await t.call('accounts.list');
        const accountId = account!.id;
        const row = coreInternals(t.core).store.getSlice(accountId)!;
        const history = await t.call('slices.history', { accountId });
        const volumes = (await volumesOfHome(homeId)).sort();
        expect(volumes).toEqual(expected.volume ? sessionVolumeSet(authVolumeName(homeId, accountId)) : []);

        if (expected.repair === 'interrupted') {
          const view = await t.call('slices.view', { accountId });
          expect(view).toMatchObject({ phase: 'error', stage: 'error', error: INTERRUPTED_WORDS });
          expect(view.sliceId).toBeUndefined();
          expect(view.port).toBeUndefined();
          expect(row).toMatchObject({ sliceId: null, port: null, sliceRef: null, token: null });
          expect(history.at(-1)).toMatchObject({ type: 'stage', stage: 'error', message: INTERRUPTED_WORDS, sliceId: before.slice_id });
          // The created-but-unrecorded container included: nothing of this home is left in Docker.
          expect(await containersOfHome(homeId)).toHaveLength(0);
          expect((await t.call('system.status')).portsInUse).toBe(0);
          await expectPortsFree(homeId, null);
        } else {
          // The very container the dead host made, followed again, not replaced.
          const containers = await containersOfHome(homeId);
          expect(containers.map((c) => c.Id)).toEqual(containersBefore.map((c) => c.Id));
          expect(containers[0]!.State).toBe('running');
          expect(row).toMatchObject({ sliceId: before.slice_id, port: before.port, sliceRef: containersBefore[0]!.Id });
          if (expected.repair === 'resumed') {
            expect(history).toContainEqual(
              expect.objectContaining({ type: 'adopted', stage: 'initializing', message: 'A provisioning interrupted by a restart of slicedeck was resumed' }),
            );
            // Finished: initialize was sent, so the slice shows its first code.
            const view = await waitForView(() => t.call('slices.view', { accountId }), (v) => v.phase === 'qr' && v.qr !== undefined, 'qr');
            expect(view.qr!.index).toBe(1);
            expect(view.stage).toBe('qr');
          } else {
            expect(history).toContainEqual(expect.objectContaining({ type: 'adopted', stage: 'qr', message: 'Found running at start-up; following it again' }));
            const view = await t.call('slices.view', { accountId });
            expect(view).toMatchObject({ phase: 'qr', stage: 'qr', sliceId: before.slice_id, port: before.port });
            // The code the dead host was showing is still the one on screen (or its successor).
            const shown = JSON.parse(before.qr_json!) as { index: number };
            expect(view.qr!.index).toBeGreaterThanOrEqual(shown.index);
          }
          expect(STAGE_INFO[(await t.call('slices.view', { accountId })).stage].message).toBe(STAGE_INFO.qr.message);
          await expectPortsFree(homeId, before.port);
        }

        // And the account can connect again, then be destroyed: the port is freed, the session kept.
        expect(['provisioned', 'initialized']).toContain((await t.call('slices.connect', { accountId })).status);
        await t.call('slices.destroy', { accountId });
        expect(await containersOfHome(homeId)).toHaveLength(0);
        await expectPortsFree(homeId, null);
        expect((await volumesOfHome(homeId)).sort()).toEqual(sessionVolumeSet(authVolumeName(homeId, accountId)));
      } finally {
        await t.cleanup();
      }
      expect(await containersOfHome(homeId)).toHaveLength(0);
    } finally {
      if (homeId) await removeHome(homeId);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
