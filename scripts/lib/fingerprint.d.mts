// Types for fingerprint.mjs (plain JS so that it runs before dependencies exist).
export const BUILD_INPUTS: string[];
export const BUILD_HASH_FILE: string;
export function buildInputsHash(root: string, inputs?: string[]): string;
export function mtimeOrNull(path: string): number | null;
export function readJsonOrNull(path: string): unknown;
export function observeDependencies(root: string): {
  nodeModulesExists: boolean;
  installedAt: number | null;
  manifestTimes: (number | null)[];
  hasLockfile: boolean;
  sameDependencies: () => boolean;
};
