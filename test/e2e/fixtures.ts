/**
 * e2e fixtures: a real web-mode server per worker (or per test when a test sets
 * `serverEnv`), a page opened on its printed address, and page objects.
 */
import { test as base, expect } from '@playwright/test';
import { containersOfHome } from '../helpers/docker';
import { AccountsPage } from './pages';
import { startPanelServer, type PanelServer } from './panel-server';

/**
 * Slow enough to click, fast enough to watch contacts climb. The first code lives as long as
 * WhatsApp's (60 s): with 20 s, a full parallel run on 2 cores once delivered code 1 to the
 * panel only after it had expired, and a spec waiting for "Code 1 of 3" saw "Code 2 of 3"
 * (media.spec.ts, CI at b1a81d0). Specs about expiry set their own lifetimes.
 */
const DEFAULT_ENV: Record<string, string> = {
  SLICEDECK_QR_FIRST_TTL_MS: '60000',
  SLICEDECK_QR_TTL_MS: '20000',
  SLICEDECK_SIM_CONTACTS: '30',
  SLICEDECK_SIM_CONTACT_INTERVAL_MS: '100',
  SLICEDECK_SIM_LINK_DELAY_MS: '300',
};

interface WorkerFixtures {
  sharedServer: PanelServer;
}

interface TestFixtures {
  /** Extra environment for this test's own server; empty = the worker's shared server. */
  serverEnv: Record<string, string>;
  server: PanelServer;
  accounts: AccountsPage;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  sharedServer: [
    async ({}, use) => {
      const server = await startPanelServer(DEFAULT_ENV);
      await use(server);
      await server.stop();
    },
    { scope: 'worker', timeout: 90_000 },
  ],
  serverEnv: [{}, { option: true }],
  server: async ({ serverEnv, sharedServer }, use) => {
    if (Object.keys(serverEnv).length === 0) {
      await use(sharedServer);
      return;
    }
    // Its own port range, so it never competes with the shared server's slices.
    const server = await startPanelServer({ ...DEFAULT_ENV, SLICEDECK_PORT_RANGE: '47650-47699', ...serverEnv });
    await use(server);
    await server.stop();
  },
  accounts: async ({ page, server }, use) => {
    const accounts = new AccountsPage(page);
    await accounts.open(server.url);
    await use(accounts);
  },
});

export { expect };

/** Every container of this server's home labelled with the account (running or not). */
export async function containersOfAccount(server: PanelServer, accountId: string) {
  return containersOfHome(server.homeId, { accountId });
}

/** A unique, readable account name per test. */
export function accountName(prefix: string): string {
  return `${prefix} ${Math.random().toString(36).slice(2, 6)}`;
}
