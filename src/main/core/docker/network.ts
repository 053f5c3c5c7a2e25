/**
 * The data dir's slice network, for code outside the core that must meet the
 * slices on it: e.g. a stand-in WhatsApp Web that listens on the host and that
 * slices' Chromium reaches through the network's gateway (the host's address on
 * that bridge). Makes the network if it does not exist yet (as the first Connect
 * would), so a server can bind the gateway before any slice starts. One engine's
 * bridge (bridge-network.ts), made over a plain connection: no runtime is built.
 *
 * The network is removed when nothing of the home runs (reconciler, close) and may
 * come back on another subnet. A server that must outlive that can bind the default
 * bridge's gateway instead (docker0, 172.17.0.1 by default): slices reach every
 * address of the host, measured from an ICC-off network (ENVIRONMENT.md's method).
 */
import type Docker from 'dockerode';
import { ensureBridgeNetwork } from './bridge-network';
import { engineGetter } from './engine';
import type { SliceNetwork } from './runtime';

export type { SliceNetwork } from './runtime';

export async function sliceNetwork(homeId: string, docker?: Docker.DockerOptions): Promise<SliceNetwork> {
  return ensureBridgeNetwork(engineGetter(docker)(), homeId);
}
