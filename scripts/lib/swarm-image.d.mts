// Types for swarm-image.mjs (plain JS: run by scripts/setup.mjs for `npm run slice:image`).
import type Docker from 'dockerode';
export class SwarmImageError extends Error {}
export function dockerOptionsFor(endpoint: string | undefined): Docker.DockerOptions;
export function parseNodeEngines(value?: string): Record<string, string>;
export interface SwarmImageNode {
  id: string;
  name: string;
  address: string;
  engine: string | null;
  state: string;
  availability: string;
}
export function swarmNodes(opts: { managerEndpoint: string | undefined; overrides?: Record<string, string> }): Promise<SwarmImageNode[]>;
export interface NodeImageReport {
  name: string;
  address: string;
  state: 'present' | 'loaded' | 'unreachable' | 'failed';
  ms?: number;
  words: string;
}
export function ensureImageOnNodes(opts: {
  images: string[];
  sourceEndpoint: string | undefined;
  managerEndpoint: string | undefined;
  overrides?: Record<string, string>;
  log?: (line: string) => void;
}): Promise<{ nodes: NodeImageReport[]; lacking: string[] }>;
