/**
 * Where the stand-in WhatsApp Web listens: the gateway of the slices' Docker network, an
 * address of this machine (never every interface), found even though `docker network
 * inspect bridge` does not list it.
 */
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { bridgeGatewayAddress, SLICE_NETWORK } from '../standin-whatsapp/gateway';
import { StandinWhatsApp } from '../standin-whatsapp/server';

describe('bridgeGatewayAddress', () => {
  it('is an IPv4 address of one of this machine’s interfaces, not a wildcard or loopback', async () => {
    const address = await bridgeGatewayAddress(SLICE_NETWORK);
    const local = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address));
    expect(local).toContain(address);
    expect(address).not.toBe('0.0.0.0');
    expect(address.startsWith('127.')).toBe(false);
  });

  it('names the network it could not inspect', async () => {
    await expect(bridgeGatewayAddress('slicedeck-no-such-network')).rejects.toThrow(/Docker network "slicedeck-no-such-network" could not be inspected/);
  });

  it('the stand-in refuses to listen on every interface', async () => {
    await expect(StandinWhatsApp.start({ host: '0.0.0.0' })).rejects.toThrow(/never on every interface/);
  });
});
