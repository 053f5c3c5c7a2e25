// Types for setup-plan.mjs (plain JS so that it runs before dependencies exist).
export type SetupMode = 'start' | 'serve' | 'test' | 'bench' | 'slice-image' | 'dist';
export interface ModeNeeds {
  docker: 'optional' | 'required' | 'unused';
  chromium: boolean;
  build: boolean;
  image: boolean;
  electron: boolean;
}
export const MODES: Record<SetupMode, ModeNeeds>;
export const USAGE: string;
export function parseSetupArgs(argv: string[]): { mode: SetupMode; forceImage: boolean; chromium: boolean; image?: string; from?: string; error?: undefined } | { error: string };
export const NODE_SLICE_IMAGE: string;
export const CHROMIUM_SLICE_IMAGE: string;
export function sliceImagePlan(opts: {
  mode: SetupMode;
  chromium?: boolean;
  env?: Record<string, string | undefined>;
}): { kind: 'build'; withChromium: boolean } | { kind: 'custom'; image: string };
export function dependencyState(observed: {
  nodeModulesExists: boolean;
  installedAt: number | null;
  manifestTimes: (number | null)[];
  sameDependencies: () => boolean;
}): 'missing' | 'stale' | 'fresh';
export function installCommand(opts: { hasLockfile: boolean }): { command: string; args: string[]; env: Record<string, string> };
export function lockfilesAgree(lockfile: unknown, installedLockfile: unknown): boolean;
export function manifestMatchesLockfile(manifest: unknown, lockfile: unknown): boolean;
export type EngineAction = { kind: 'ready' } | { kind: 'start-local'; installFirst: boolean } | { kind: 'advise'; words: string };
export function engineAction(observed: {
  reachable: boolean;
  dockerHost: string | undefined;
  platform: NodeJS.Platform;
  isRoot: boolean;
  dockerdInstalled: boolean;
  aptAvailable: boolean;
}): EngineAction;
export function missingEngineOutcome(mode: SetupMode): 'fail' | 'continue';
export function chromiumAction(observed: {
  present: boolean;
  path: string;
  platform: NodeJS.Platform;
  isRoot: boolean;
  aptAvailable: boolean;
}): { kind: 'ready' } | { kind: 'install' } | { kind: 'advise'; words: string };
export function buildState(observed: { outExists: boolean; recordedHash: string | null; currentHash: string }): 'missing' | 'stale' | 'fresh';
export function engineEndpoint(
  dockerHost: string | undefined,
  platform: NodeJS.Platform,
  opts?: { tls?: boolean },
): { socketPath: string } | { host: string; port: number; tls: boolean } | { error: string };
export function formatDuration(ms: number): string;
