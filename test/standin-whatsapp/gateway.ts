/**
 * Where a server on this machine is reachable from a slice container: the gateway address
 * of the Docker bridge network the slices are attached to. `docker network inspect` of the
 * default bridge lists only the subnet, not the gateway (measured on dockerd 20.10), so the
 * answer is whichever of these is an address of one of this machine's interfaces: the IPAM
 * gateway, the address of the network's bridge interface (`docker0`, `br-<id12>`), or the
 * first address of its subnet (Docker's default gateway). "Of this machine" is checked by
 * binding to it: Node's networkInterfaces() leaves out a bridge with no container attached
 * (no carrier), whose address is still local. Never 0.0.0.0: the stand-in must be reachable
 * from the containers and from nowhere else.
 */
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import Docker from 'dockerode';

/** The network slice containers join today: Docker's default (their create options name none). */
export const SLICE_NETWORK = 'bridge';

function firstHostOf(subnet: string): string | null {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(subnet);
  if (!match) return null;
  const [a, b, c, d] = match.slice(1, 5).map(Number) as [number, number, number, number];
  const prefix = Number(match[5]);
  const ip = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const first = ((ip & mask) + 1) >>> 0;
  return [first >>> 24, (first >>> 16) & 255, (first >>> 8) & 255, first & 255].join('.');
}

export async function bridgeGatewayAddress(networkName: string = SLICE_NETWORK, docker: Docker = new Docker()): Promise<string> {
  let network: { Id: string; Driver?: string; IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] }; Options?: Record<string, string> };
  try {
    network = (await docker.getNetwork(networkName).inspect()) as typeof network;
  } catch (error) {
    throw new Error(`Docker network "${networkName}" could not be inspected (${error instanceof Error ? error.message : String(error)}); is the Docker engine running?`);
  }
  const interfaces = networkInterfaces();
  const bridgeName = network.Options?.['com.docker.network.bridge.name'] ?? `br-${network.Id.slice(0, 12)}`;
  const candidates = [
    ...(network.IPAM?.Config ?? []).map((config) => config.Gateway),
    ...(interfaces[bridgeName] ?? []).filter((address) => address.family === 'IPv4').map((address) => address.address),
    ...(network.IPAM?.Config ?? []).map((config) => (config.Subnet ? firstHostOf(config.Subnet) : null)),
  ].filter((address): address is string => typeof address === 'string' && address.length > 0);
  for (const address of new Set(candidates)) {
    if (await isLocalAddress(address)) return address;
  }
  throw new Error(
    `No address of this machine is the gateway of Docker network "${networkName}" (tried ${candidates.join(', ') || 'nothing'}). ` +
      'The engine may be remote (DOCKER_HOST) or the network not a bridge; the stand-in WhatsApp Web needs a local bridge.',
  );
}

/** True when a socket can listen on `address` here (EADDRNOTAVAIL otherwise). */
function isLocalAddress(address: string): Promise<boolean> {
  if (address === '0.0.0.0' || address.startsWith('127.')) return Promise.resolve(false);
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(0, address, () => probe.close(() => resolve(true)));
  });
}
