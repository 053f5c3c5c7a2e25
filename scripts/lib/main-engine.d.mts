// Types for main-engine.mjs.
import type Docker from 'dockerode';
export interface MainEngineSnapshot {
  swarmState: string;
  swarmNodeId: string;
  bridgeSubnets: string[];
  swarmNetworks: string[];
  hasGwbridgeNetwork: boolean;
  routes: string[];
  docker0Route: string | undefined;
}
export function snapshotMainEngine(docker?: Docker): Promise<MainEngineSnapshot>;
export function mainEngineChanges(before: MainEngineSnapshot, after: MainEngineSnapshot): string[];
