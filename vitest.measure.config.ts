import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
export default defineConfig({
  resolve: { alias: { '@shared': resolve(import.meta.dirname, 'src/shared') } },
  test: { include: ['test/measure/**/*.test.ts'], environment: 'node', globalSetup: ['test/helpers/global-setup.ts'], pool: 'forks', testTimeout: 600_000, hookTimeout: 120_000 },
});
