/**
 * kill -9 of the host at each provisioning stage, then a restart over the same
 * data dir: zero orphaned containers, zero leaked ports, and a truthful view
 * (PRODUCT §5; issue 4). Docker owns what exists, SQLite what was intended.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROVISIONING_STAGES } from '@shared/stages';
import { makeTestCore, workerPortRange } from '../helpers/core';
import { containersOfHome, removeHome } from '../helpers/docker';
import { spawnHost } from '../helpers/spawn-host';
import { isPortBindable } from '../../src/main/core/slices/ports';
import { coreInternals } from '../../src/main/core';

const range = workerPortRange();

describe('a host killed with -9 mid-provisioning', () => {
  it.each([...PROVISIONING_STAGES, 'qr'])('at %s leaves nothing behind after a restart', async (stage) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'slicedeck-crash-'));
    let homeId = '';
    try {
      const host = await spawnHost({
        SLICEDECK_DATA_DIR: dataDir,
        SLICEDECK_DRIVER: 'simulated',
        SLICEDECK_PORT_RANGE: `${range.from}-${range.to}`,
        SLICEDECK_RECONCILE_INTERVAL_MS: '0',
        SLICEDECK_HEALTH_INTERVAL_MS: '0',
        SLICEDECK_SLICE_MEMORY_MB: '256',
      });
      homeId = (await host.waitForLine((line) => line.type === 'home')).homeId!;
      await host.waitForLine((line) => line.type === 'slice' && line.stage === stage);
      await host.kill9();

      const t = await makeTestCore({}, { dataDir });
      try {
        const [account] = await t.call('accounts.list');
        const view = await t.call('slices.view', { accountId: account!.id });
        const containers = await containersOfHome(homeId);
        const row = coreInternals(t.core).store.getSlice(account!.id)!;

        // Every container of this home is the account's current slice, running; nothing else survives.
        for (const container of containers) {
          expect(container.Labels['slicedeck.slice-id']).toBe(row.sliceId);
          expect(container.State).toBe('running');
        }
        // Before the container was started there is nothing healthy to adopt; a slice showing codes always is.
        if (['pending', 'allocating_port', 'creating_container'].includes(stage)) expect(view.phase).toBe('error');
        if (stage === 'qr') expect(view.phase).toBe('qr');
        if (view.phase === 'error') {
          expect(view.error).toMatch(/interrupted — click Connect to retry/);
          expect(containers).toHaveLength(0);
          expect(row.port).toBeNull();
          expect((await t.call('system.status')).portsInUse).toBe(0);
        } else {
          // Adopted: the slice was healthy, so the new host finished the work and follows it.
          expect(['initializing', 'qr']).toContain(view.stage);
          expect(containers).toHaveLength(1);
          expect(view.port).toBe(row.port);
          if (view.stage !== 'qr') await t.events.waitForStage(account!.id, 'qr', 15_000);
        }
        // No port outside the one current slice is held: the rest of the range is free.
        for (let port = range.from; port < range.from + 3; port++) {
          if (port !== row.port) expect(await isPortBindable(port)).toBe(true);
        }
        // And the account can connect again.
        expect(['provisioned', 'initialized']).toContain((await t.call('slices.connect', { accountId: account!.id })).status);
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
