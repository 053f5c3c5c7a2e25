/**
 * A real core for integration tests: a throw-away data dir, the simulated driver,
 * short timings, and a port range unique to this vitest worker so test files
 * running in parallel never compete for ports. `cleanup()` closes the core and
 * removes every container and volume labelled with its home.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import pino from 'pino';
import { dispatch } from '@shared/dispatch';
import type { CommandArgs, CommandName, CommandResult } from '@shared/contract';
import { SlicedeckError } from '@shared/errors';
import type { SliceView } from '@shared/types';
import { createCore, type Core, type ImageBuilder, type StageHook } from '../../src/main/core';
import { loadConfig, type CoreConfig } from '../../src/main/core/config';
import type { SliceRuntime } from '../../src/main/core/docker/runtime';
import { EventRecorder } from './events';
import { removeHome } from './docker';
import { PORT_BLOCK, PORT_BLOCKS_FROM, PORT_BLOCK_BASE_ENV } from './port-block';

/**
 * 40 ports per worker (up to 4 workers side by side) in the block of ports the
 * global setup chose for this run (port-block.ts), so test files running in
 * parallel never compete for ports, and runs of other checkouts seldom do.
 */
export function workerPortRange(size = 40): { from: number; to: number } {
  const worker = Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? 1);
  const base = Number(process.env[PORT_BLOCK_BASE_ENV] ?? PORT_BLOCKS_FROM);
  const from = base + ((worker - 1) % (PORT_BLOCK / 40)) * 40;
  return { from, to: from + Math.min(size, 40) - 1 };
}

export function testConfig(dataDir: string, overrides: Partial<CoreConfig> = {}): CoreConfig {
  return loadConfig(
    {
      SLICEDECK_DATA_DIR: dataDir,
      SLICEDECK_DRIVER: 'simulated',
      HOME: dataDir,
      // The content tag the global setup built (see test/helpers/global-setup.ts).
      ...(process.env.SLICEDECK_IMAGE ? { SLICEDECK_IMAGE: process.env.SLICEDECK_IMAGE, SLICEDECK_IMAGE_VARIANT: 'node' } : {}),
    },
    {
      qrCodes: 3,
      qrTtlMs: 3_000,
      // Tests that shorten the codes shorten the first one too, unless they say otherwise.
      qrFirstTtlMs: overrides.qrTtlMs ?? 3_000,
      simContacts: 12,
      simContactIntervalMs: 10,
      simLinkDelayMs: 50,
      portRange: workerPortRange(),
      reconcileIntervalMs: 0,
      healthIntervalMs: 0,
      sliceMemoryBytes: 256 * 1024 * 1024,
      logLevel: 'debug',
      ...overrides,
    },
  );
}

export interface TestCore {
  core: Core;
  dataDir: string;
  homeId: string;
  events: EventRecorder;
  /** Calls a command through the real dispatcher; throws the SlicedeckError on failure. */
  call<N extends CommandName>(name: N, ...input: undefined extends CommandArgs<N> ? [CommandArgs<N>?] : [CommandArgs<N>]): Promise<CommandResult<N>>;
  /** Closes this core (keeping its data dir and containers) and opens a new one over the same data. */
  reopen(overrides?: Partial<CoreConfig>): Promise<TestCore>;
  cleanup(): Promise<void>;
}

interface OpenOptions {
  dataDir?: string;
  /** dockerode options for the core (e.g. a cuttable socket proxy). */
  docker?: Docker.DockerOptions;
  /** The core's builder for `system.buildImage` (none: the command refuses). */
  imageBuilder?: ImageBuilder;
  /** An engine of the test's own (the in-memory runtime: memory-core.ts); its slices are the test's to end, not Docker's. */
  runtime?: SliceRuntime;
  /** Awaited at a fixed point inside each provisioning stage (createCore's stageHook). */
  stageHook?: StageHook;
}

async function open(dataDir: string, overrides: Partial<CoreConfig>, owned: { cleanups: (() => Promise<void>)[] }, opts: OpenOptions): Promise<TestCore> {
  const config = testConfig(dataDir, overrides);
  const logger = pino({ level: 'debug' }, pino.destination({ dest: join(dataDir, 'test.log'), mkdir: true, sync: true }));
  const core = await createCore({
    config,
    logger,
    ...(opts.docker ? { docker: opts.docker } : {}),
    ...(opts.imageBuilder ? { imageBuilder: opts.imageBuilder } : {}),
    ...(opts.runtime ? { runtime: opts.runtime } : {}),
    ...(opts.stageHook ? { stageHook: opts.stageHook } : {}),
  });
  const events = new EventRecorder(core.events);
  const handle: TestCore = {
    core,
    dataDir,
    homeId: core.homeId,
    events,
    async call(name, ...input) {
      const envelope = await dispatch(core.handlers, name, input[0]);
      if (!envelope.ok) throw SlicedeckError.fromWire(envelope.error);
      return envelope.result as never;
    },
    async reopen(next = overrides) {
      events.stop();
      await core.close();
      return open(dataDir, next, owned, opts);
    },
    async cleanup() {
      for (const cleanup of owned.cleanups.splice(0).reverse()) await cleanup();
    },
  };
  owned.cleanups.push(async () => {
    events.stop();
    await core.close({ destroySlices: true });
    if (!opts.runtime) await removeHome(core.homeId);
  });
  return handle;
}

/** With `dataDir`, opens a core over existing data (e.g. one a crashed host process left). */
export async function makeTestCore(overrides: Partial<CoreConfig> = {}, opts: OpenOptions = {}): Promise<TestCore> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'slicedeck-core-'));
  const owned = { cleanups: [] as (() => Promise<void>)[] };
  owned.cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  return open(dataDir, overrides, owned, opts);
}

/** A new account, connected, its first code scanned on the simulated phone, and Ready; its Ready view. */
export async function linkNewAccount(t: TestCore, name: string): Promise<{ accountId: string; view: SliceView }> {
  const account = await t.call('accounts.add', { name });
  await t.call('slices.connect', { accountId: account.id });
  await t.events.waitForStage(account.id, 'qr');
  await t.call('sim.scan', { accountId: account.id });
  const view = await t.events.waitForStage(account.id, 'ready');
  return { accountId: account.id, view };
}
