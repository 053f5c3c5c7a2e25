/**
 * Where the stand-in WhatsApp Web listens: the gateway of the slices' Docker network, an
 * address of this machine (never every interface), found even though `docker network
 * inspect bridge` does not list it.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { docker } from '../helpers/docker';
import { bridgeGatewayAddress, SLICE_NETWORK } from '../standin-whatsapp/gateway';
import { StandinWhatsApp } from '../standin-whatsapp/server';

describe('bridgeGatewayAddress', () => {
  it('is an IPv4 address this machine can listen on, not a wildcard or loopback, inside the network’s subnet', async () => {
    const address = await bridgeGatewayAddress(SLICE_NETWORK);
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(address).not.toBe('0.0.0.0');
    expect(address.startsWith('127.')).toBe(false);
    // Listed by networkInterfaces() only while a container is attached (carrier); bindable always.
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, address, resolve));
    await new Promise((resolve) => server.close(resolve));
    const subnets = ((await docker.getNetwork(SLICE_NETWORK).inspect()) as { IPAM?: { Config?: { Subnet?: string }[] } }).IPAM?.Config?.map((c) => c.Subnet) ?? [];
    const toInt = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
    const inSubnet = (subnet: string) => {
      const [base, bits] = subnet.split('/') as [string, string];
      const size = 2 ** (32 - Number(bits));
      return Math.floor(toInt(address) / size) === Math.floor(toInt(base) / size);
    };
    expect(subnets.some((subnet) => subnet !== undefined && inSubnet(subnet)), `${address} in ${subnets.join(', ')}`).toBe(true);
  });

  it('names the network it could not inspect', async () => {
    await expect(bridgeGatewayAddress('slicedeck-no-such-network')).rejects.toThrow(/Docker network "slicedeck-no-such-network" could not be inspected/);
  });

  it('the stand-in refuses to listen on every interface', async () => {
    await expect(StandinWhatsApp.start({ host: '0.0.0.0' })).rejects.toThrow(/never on every interface/);
  });
});
