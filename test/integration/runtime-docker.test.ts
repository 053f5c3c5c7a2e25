/** The runtime contract (runtime-contract.ts) on the machine's main engine: the DockerodeRuntime. */
import Docker from 'dockerode';
import { DockerodeRuntime } from '../../src/main/core/docker/dockerode-runtime';
import { workerPortRange } from '../helpers/core';
import { runtimeContract } from './runtime-contract';

runtimeContract('DockerodeRuntime on the main engine', async () => {
  const { from } = workerPortRange();
  return {
    runtime: new DockerodeRuntime(),
    image: process.env.SLICEDECK_IMAGE ?? 'slicedeck-slice:latest',
    ports: [from + 30, from + 31],
    envOf: async (id) => [(await new Docker().getContainer(id).inspect()).Config.Env ?? []],
  };
});
