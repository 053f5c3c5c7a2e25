/** The runtime contract (runtime-contract.ts) on the machine's main engine: the DockerodeRuntime. */
import { DockerodeRuntime } from '../../src/main/core/docker/dockerode-runtime';
import { workerPortRange } from '../helpers/core';
import { runtimeContract } from './runtime-contract';

runtimeContract('DockerodeRuntime on the main engine', async () => {
  const { from } = workerPortRange();
  return { runtime: new DockerodeRuntime(), image: process.env.SLICEDECK_IMAGE ?? 'slicedeck-slice:latest', ports: [from + 30, from + 31] };
});
