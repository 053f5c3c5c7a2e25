// Types for electron-stand-in.mjs (plain JS so that it runs before anything is built).
type Env = Record<string, string | undefined>;
export const STAND_IN: Readonly<{
  package: string;
  packageVersion: string;
  integrity: string;
  zip: string;
  zipSha256: string;
  electronVersion: string;
  platform: string;
  arch: string;
  executable: string;
  cypressApp: string;
  sqliteAddon: string;
  fuses: Record<string, boolean>;
}>;
export const STAND_IN_MARKER: string;
export const VERSION_PROBE: string;
export function standInDir(opts?: { env?: Env; home?: string }): string;
export function standInSupported(opts?: { platform?: string; arch?: string }): boolean;
export function standInState(dir: string): { ready: boolean; executable: string };
export function packCommand(dir: string): { command: string; args: string[] };
export function checkPacked(output: string): { ok: true; filename: string } | { ok: false; reason: string };
export function zipDigestWords(actual: string): string | null;
export function fuseConfig(FuseVersion: { V1: string }, FuseV1Options: Record<string, number | string>): Record<string | number, unknown>;
export function sqliteProbeSource(opts: { root: string; binding: string; file: string }): string;
export type DesktopElectron =
  | { kind: 'own' | 'stand-in'; executable: string; version: string; distDir: string | null; sqliteBinding: string; label: string }
  | { kind: 'none'; reason: string };
export function desktopElectron(opts: { root: string; env?: Env; home?: string; platform?: string; arch?: string }): DesktopElectron;
