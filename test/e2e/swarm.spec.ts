/**
 * The panel on the private swarm (`npm run swarm:up`, brought up here under the shared
 * lease when it is not already): a slice runs as a service, the Dashboard names its node
 * and History says where it ran. Needs root (network namespaces), as the swarm tests do.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { LABELS } from '../../src/main/core/docker/labels';
import { MANAGER, NODES, leaseSwarm, releaseSwarm } from '../../scripts/lib/private-swarm.mjs';
import { NodeLabelProxy } from '../helpers/node-label-proxy';
import { accountName, expect, test } from './fixtures';
import { HistorySection } from './pages';

const manager = new Docker({ socketPath: MANAGER.dockerHost.slice('unix://'.length) });
/** This worker's path to the manager that hides the nodes' engine labels (see NodeLabelProxy). */
const UNASKABLE_NODES = join(tmpdir(), `slicedeck-e2e-nodes-${process.pid}.sock`);

test.describe('on the private swarm', () => {
  test.use({ serverEnv: { SLICEDECK_RUNTIME: 'swarm', DOCKER_HOST: MANAGER.dockerHost } });
  test.beforeAll(async () => {
    test.setTimeout(300_000);
    await leaseSwarm({ image: process.env.SLICEDECK_IMAGE });
  });
  test.afterAll(async () => {
    test.setTimeout(120_000);
    await releaseSwarm();
  });

  test('the Dashboard names the node of a slice, and History says where it ran', async ({ page, accounts, server }) => {
    try {
      const name = accountName('Nia');
      const accountId = await accounts.add(name);
      const connect = await accounts.openConnect(name);
      await connect.connectButton.click();
      await expect(connect.codeOf(1)).toBeVisible();

      const [service] = await manager.listServices({ filters: { label: [`${LABELS.home}=${server.homeId}`, `${LABELS.accountId}=${accountId}`] } });
      expect(service).toBeDefined();
      const [task] = await manager.listTasks({ filters: { service: [service!.ID], 'desired-state': ['running'] } });
      const node = (await manager.getNode(task!.NodeID!).inspect()) as { Spec?: { Labels?: Record<string, string> } };
      const nodeName = node.Spec?.Labels?.['slicedeck.node'];
      expect(NODES.map((n) => n.name)).toContain(nodeName);
      const address = NODES.find((n) => n.name === nodeName)!.address;

      const history = new HistorySection(page);
      await history.open();
      await expect(history.entries(name).filter({ hasText: 'Runs on a node' })).toContainText(`on node ${nodeName} (${address})`);

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
      await expect(page.getByRole('columnheader', { name: 'Node' })).toBeVisible();
      const row = page.getByTestId(`slice-row-${accountId}`);
      await expect(row.getByTestId('slice-node')).toHaveText(nodeName!);

      await row.getByRole('button', { name: `Destroy the slice of ${name}` }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Destroy slice' }).click();
      await expect(row).toHaveCount(0);
      await expect.poll(async () => (await manager.listServices({ filters: { label: [`${LABELS.home}=${server.homeId}`] } })).length, { timeout: 45_000 }).toBe(0);
    } finally {
      // Whatever the outcome, no service of this run stays on the swarm.
      for (const s of await manager.listServices({ filters: { label: [`${LABELS.home}=${server.homeId}`] } })) await manager.getService(s.ID).remove().catch(() => undefined);
    }
  });

  test.describe('a node this host cannot ask', () => {
    const proxy = new NodeLabelProxy(UNASKABLE_NODES, MANAGER.dockerHost.slice('unix://'.length));
    test.use({ serverEnv: { SLICEDECK_RUNTIME: 'swarm', DOCKER_HOST: `unix://${UNASKABLE_NODES}` } });
    test.beforeAll(async () => {
      // Askable while the slice is made (its home's network settings go onto every node), then not.
      proxy.mode = 'pass';
      await proxy.start();
    });
    test.afterAll(async () => {
      await proxy.stop();
    });

    test('the Dashboard shows no figures for its slice, and words that name the node and what to do', async ({ page, accounts, server }) => {
      try {
        const name = accountName('Ode');
        const accountId = await accounts.add(name);
        const connect = await accounts.openConnect(name);
        await connect.connectButton.click();
        await expect(connect.codeOf(1)).toBeVisible();
        // The nodes' engines stop being askable from this host (their slicedeck.engine labels hidden).
        proxy.mode = 'drop';

        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
        const row = page.getByTestId(`slice-row-${accountId}`);
        const nodeName = (await row.getByTestId('slice-node').textContent())!;
        expect(NODES.map((n) => n.name)).toContain(nodeName);
        await expect(row.getByTestId('slice-memory')).toHaveText('no figures');
        await expect(page.getByTestId('stats-unavailable')).toContainText(`node ${nodeName}`);
        await expect(page.getByTestId('stats-unavailable')).toContainText('slicedeck.engine');
      } finally {
        // Askable again, so the server's close removes its home's network settings from every node.
        proxy.mode = 'pass';
        for (const s of await manager.listServices({ filters: { label: [`${LABELS.home}=${server.homeId}`] } })) await manager.getService(s.ID).remove().catch(() => undefined);
      }
    });
  });
});
