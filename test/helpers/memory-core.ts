/**
 * A real core (createCore, a real SQLite file, the real slice app and its HTTP/SSE)
 * on the in-memory runtime (memory-runtime.ts): the connect flow without Docker, for
 * unit tests of its timers and steps. The runtime is the test's engine: it outlives a
 * `reopen()` (a restarted host finds its slices), and `cleanup()` ends it.
 */
import type { StageHook } from '../../src/main/core';
import type { CoreConfig } from '../../src/main/core/config';
import { makeTestCore, testConfig, type TestCore } from './core';
import { MemoryRuntime } from './memory-runtime';

export interface MemoryCore extends TestCore {
  runtime: MemoryRuntime;
  reopen(overrides?: Partial<CoreConfig>): Promise<MemoryCore>;
}

/** `sliceEnv`: set on every slice as if baked into its image (e.g. the slice's own restart backoff, which the host never sets). */
export async function makeMemoryCore(overrides: Partial<CoreConfig> = {}, opts: { sliceEnv?: Record<string, string>; stageHook?: StageHook } = {}): Promise<MemoryCore> {
  const runtime = new MemoryRuntime({ images: [testConfig('/tmp', overrides).image], sliceEnv: opts.sliceEnv });
  const t = await makeTestCore(overrides, { runtime, ...(opts.stageHook ? { stageHook: opts.stageHook } : {}) });
  return withRuntime(t, runtime);
}

function withRuntime(t: TestCore, runtime: MemoryRuntime): MemoryCore {
  const cleanup = t.cleanup;
  return {
    ...t,
    runtime,
    async reopen(next) {
      return withRuntime(await t.reopen(next), runtime);
    },
    async cleanup() {
      await cleanup();
      await runtime.close();
    },
  };
}
