/**
 * The runtime contract (test/integration/runtime-contract.ts) on the in-memory runtime
 * (test/helpers/memory-runtime.ts), no Docker: the same cases the DockerodeRuntime and
 * the SwarmRuntime pass, so flow tests that use it stand on a runtime that keeps the contract.
 */
import { MemoryRuntime } from '../../helpers/memory-runtime';
import { workerPortRange } from '../../helpers/core';
import { runtimeContract } from '../../integration/runtime-contract';

const IMAGE = 'slicedeck-slice:in-memory';
let runtime: MemoryRuntime | null = null;

runtimeContract(
  'MemoryRuntime (in this process, no engine)',
  async () => {
    const { from } = workerPortRange();
    runtime = new MemoryRuntime({ images: [IMAGE] });
    const subject = runtime;
    return {
      runtime: subject,
      image: IMAGE,
      // Beside the Docker contract's two (from + 30, + 31) in this worker's range.
      ports: [from + 32, from + 33],
      envOf: async (id) => [subject.envOf(id)],
    };
  },
  async () => {
    await runtime?.close();
  },
);
