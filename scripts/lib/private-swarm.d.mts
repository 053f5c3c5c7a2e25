// Types for private-swarm.mjs (plain JS: `npm run swarm:up` runs with Node builtins only).
export interface SwarmNode {
  name: string;
  role: 'manager' | 'worker';
  address: string;
  ns: string;
  bridge: string;
  socket: string;
  dockerHost: string;
}
export interface SwarmUpResult {
  dockerHost: string;
  nodes: { name: string; role: string; address: string; dockerHost: string }[];
  image: string;
  reused: boolean;
  ms: number;
}
export const PREFIX: string;
export const HOST_VETH: string;
export const HOST_ADDRESS: string;
export const RANGES: { link: string; nodeBridges: string; enginePools: string; swarmPool: string };
export const NODES: (SwarmNode & { pool: string; bridgeCidr: string })[];
export const MANAGER: SwarmNode;
export class SwarmError extends Error {}
export function sh(command: string, args: string[], opts?: { timeoutMs?: number; env?: Record<string, string> }): Promise<{ code: number; stdout: string; stderr: string }>;
export function nodeDocker(node: SwarmNode | null, args: string[], opts?: { timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }>;
export function cidrsOverlap(a: string, b: string): boolean;
export function hostRoutes(): Promise<string[]>;
export function isRoot(): boolean;
export function swarmStatus(): Promise<{ namespaces: string[]; engines: Record<string, boolean>; swarm: { nodes: number; ready: number } | null }>;
export function swarmUp(opts?: { image?: string; log?: (line: string) => void }): Promise<SwarmUpResult>;
export function swarmDown(opts?: { log?: (line: string) => void }): Promise<{ ms: number }>;
export function leaseSwarm(opts?: { image?: string; log?: (line: string) => void }): Promise<SwarmUpResult>;
export function releaseSwarm(opts?: { log?: (line: string) => void }): Promise<boolean>;
export function loadImage(image: string, log?: (line: string) => void): Promise<{ loaded: string[] }>;
