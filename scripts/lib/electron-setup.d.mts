// Types for electron-setup.mjs (plain JS so that it runs before anything is built).
export const ELECTRON_HEADERS_URL: string;
export const SERVE_HINT: string;
export const SQLITE_ADDON: string;
type Env = Record<string, string | undefined>;
export function electronPackageDir(root: string): string;
export function electronVersion(root: string): string;
export function sqliteVersion(root: string): string;
export function electronExecutableName(platform: string): string;
export function electronInstallState(electronDir: string, opts?: { version?: string; platform?: string; env?: Env }): { installed: boolean; executable: string };
export function electronInstallCommand(electronDir: string, nodeExecutable?: string): { command: string; args: string[]; cwd: string };
export function electronLeftovers(electronDir: string): string[];
export function installerReason(output: string): string;
export function electronDownloadWords(opts: { version: string; output: string; env?: Env }): string;
export function electronMissingWords(opts: { version: string; executable: string; env?: Env }): string;
export function electronSqliteBindingPath(opts: { root: string; electronVersion: string; sqliteVersion: string; platform?: string; arch?: string }): string;
export function nodeGypScript(env?: Env): string | null;
export function electronHeadersUrl(env?: Env): string;
interface Command {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}
export function prebuiltCommand(opts: { root: string; stagingDir: string; electronVersion: string; platform?: string; arch?: string; nodeExecutable?: string }): Command;
export function sourceBuildCommand(opts: { stagingDir: string; electronVersion: string; arch?: string; nodeGyp: string; headersUrl: string; nodeExecutable?: string }): Command;
export function stagedAddon(stagingDir: string): string;
export function probeSource(opts: { root: string; binding: string }): string;
export function electronSqliteWords(opts: { electronVersion: string; sqliteVersion: string; prebuiltOutput: string; sourceOutput: string; headersUrl: string; env?: Env }): string;
