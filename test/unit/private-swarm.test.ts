/**
 * The private swarm's address plan (scripts/lib/private-swarm.mjs): its ranges must never
 * meet the main engine's — Docker's default pools (172.17–31.x/16, 192.168.x/20) and its
 * docker0 — since a second engine on 172.17.0.0/16 once cut every main-engine container off.
 */
import { describe, expect, it } from 'vitest';
import { HOST_ADDRESS, NODES, RANGES, cidrsOverlap } from '../../scripts/lib/private-swarm.mjs';

const DOCKER_DEFAULT_POOLS = ['172.17.0.0/16', '172.16.0.0/12', '192.168.0.0/16'];

describe('the private swarm address plan', () => {
  it('tells overlapping from separate ranges', () => {
    expect(cidrsOverlap('10.213.0.0/24', '10.213.0.11/32')).toBe(true);
    expect(cidrsOverlap('10.0.0.0/8', '10.215.3.0/24')).toBe(true);
    expect(cidrsOverlap('10.213.0.0/24', '10.213.1.0/24')).toBe(false);
    expect(cidrsOverlap('172.16.0.0/12', '172.31.255.0/24')).toBe(true);
    expect(cidrsOverlap('172.16.0.0/12', '172.32.0.0/16')).toBe(false);
  });

  it('keeps every range of its own off Docker default pools and off each other', () => {
    const ranges = Object.values(RANGES);
    for (const range of ranges) for (const pool of DOCKER_DEFAULT_POOLS) expect(cidrsOverlap(range, pool), `${range} vs ${pool}`).toBe(false);
    for (let i = 0; i < ranges.length; i++) for (let j = i + 1; j < ranges.length; j++) expect(cidrsOverlap(ranges[i]!, ranges[j]!)).toBe(false);
  });

  it('puts the host and every node on the link range, each node with its own bridge and pool inside the plan', () => {
    expect(cidrsOverlap(RANGES.link, `${HOST_ADDRESS}/32`)).toBe(true);
    for (const node of NODES) {
      expect(cidrsOverlap(RANGES.link, `${node.address}/32`)).toBe(true);
      expect(cidrsOverlap(RANGES.enginePools, node.pool)).toBe(true);
      expect(cidrsOverlap(RANGES.nodeBridges, node.bridgeCidr)).toBe(true);
    }
    expect(new Set(NODES.map((n) => n.bridge)).size).toBe(NODES.length);
    expect(NODES.map((n) => n.bridge)).not.toContain('docker0');
  });
});
